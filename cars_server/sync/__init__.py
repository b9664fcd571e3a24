"""The server's sync core: push ingest, the commit-ordered change feed, conflicts, workstation status.

Plain functions over a SQLAlchemy `Engine`, portable between SQLite and PostgreSQL; the HTTP routes
(cars_server.routes) authenticate the caller and hand these functions a `Caller`.
"""

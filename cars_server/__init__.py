"""CARS central server: the FastAPI service that CARS Desktop workstations synchronise with.

Nothing is built at import time: `cars_server.app.create_app(settings)` is the composition root that
creates the database engine and the routes, so tests and the command line each get their own app.
"""

"""Tests of the server sync core over real SQLite and PostgreSQL databases."""

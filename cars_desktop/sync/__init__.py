"""Outbox push, pull and apply with the central server (the sync issue)."""

"""The wire contract shared by CARS Desktop and the central server.

Every synced record's schema is defined once here, as pydantic models, so that the desktop store,
the sync messages and the server validate exactly the same shapes.
"""

PROTOCOL_VERSION = 1

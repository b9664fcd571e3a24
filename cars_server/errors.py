"""The server's exception tree, in one module so callers know what they may have to catch.

Messages are written for the operator who runs the server and never contain a secret (a database
URL can hold a password, so it is never quoted back).
"""


class CarsServerError(Exception):
    """Base of every error the server raises on purpose; its message is safe to show and log."""


class ConfigurationError(CarsServerError):
    """A setting is missing, malformed or names something the server cannot use."""

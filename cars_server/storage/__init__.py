"""The server's own storage: the only SQL in `cars_server`. Engines are built, never imported."""

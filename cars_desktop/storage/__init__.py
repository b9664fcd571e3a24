"""The only SQL in the desktop program: the encrypted store, its vault and its audit log."""

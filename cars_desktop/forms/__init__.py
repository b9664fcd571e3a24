"""Form definitions as data and the scoring instruments (the forms issue builds this package)."""

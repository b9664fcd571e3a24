"""Reusable widgets: the generic form widget and the editors it is built from."""

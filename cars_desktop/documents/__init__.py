"""Printed documents with reportlab: letters, checklists and release packs (the documents issue)."""

"""Vocabulary and rules of the service: no SQL, no Qt, no HTTP."""

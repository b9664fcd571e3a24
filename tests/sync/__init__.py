"""Tests of the desktop sync client, end to end against a real server, and of the fault proxy they use."""

"""`cars-server admin ...`: the operator's commands, one module per kind of thing administered.

Each function takes an engine and plain values, checks them, does its work in one transaction
with its s.62 log entry, and raises `AdminError` with a one-line reason; `cars_server.cli` only
parses arguments and prints.
"""

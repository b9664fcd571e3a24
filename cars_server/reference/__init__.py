"""Centrally edited reference data: validated imports, stored versions and the feed workstations read."""

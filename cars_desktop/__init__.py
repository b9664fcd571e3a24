"""CARS Desktop: the workstation program for arrest referral workers in custody and at court."""

__version__ = "0.1.0"

"""Authentication: device credentials, user passwords and attestations, and sessions.

Nothing is cached in process memory: every request re-reads the workstation, session and user
rows, so several stateless server processes behind a load balancer see a revocation at once.
"""

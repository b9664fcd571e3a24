"""Rules of custody the lists of who is here today rely on."""

from __future__ import annotations

from datetime import timedelta

#: The longest a person can be held before charge (PACE 1984: 96 hours with a warrant of further
#: detention). Anyone still held today arrived within it, so the lists of who is in custody read only
#: detentions recorded since then, never the whole history.
LONGEST_DETENTION = timedelta(hours=96)

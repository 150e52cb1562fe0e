"""Which database a heavy read goes to: the replica when one is configured, else the primary.

Only reads that tolerate a replica's lag of a second or two use it (the board's lists, statistics, the
assessment); anything read in order to write, and anything a user just changed and expects to see on the
next page, stays on ``default``. No router: routing every read would send read-after-write to a lagging copy.
"""

from __future__ import annotations

from django.conf import settings


def read_db() -> str:
    return "replica" if "replica" in settings.DATABASES else "default"

"""Who this instance is and whom it talks to (settings; see config/settings.py).

- ``DUTYROOM_PARENT_URL`` / ``DUTYROOM_PARENT_KEY``: the upper-level DutyRoom (e.g. Suzhou) and the key shared
  with it; empty URL = no forwarding. ``DUTYROOM_PARENT_AUTHORITY`` names it among verification authorities.
- ``DUTYROOM_CHILDREN``: on the parent, a JSON list of ``{"code", "name", "key", "url"}`` for each child city.
- ``DUTYROOM_INSTANCE_CODE`` / ``DUTYROOM_INSTANCE_NAME``: how this instance names itself to the others.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Peer:
    code: str
    name: str
    key: str
    url: str


def parent() -> Peer | None:
    url = settings.DUTYROOM_PARENT_URL.strip()
    if not url:
        return None
    return Peer(code="parent", name=settings.DUTYROOM_PARENT_AUTHORITY, key=settings.DUTYROOM_PARENT_KEY, url=url)


def children() -> dict[str, Peer]:
    raw = settings.DUTYROOM_CHILDREN.strip()
    if not raw:
        return {}
    return {
        c["code"]: Peer(code=c["code"], name=c.get("name", c["code"]), key=c["key"], url=c.get("url", ""))
        for c in json.loads(raw)
    }


def instance_code() -> str:
    return str(settings.DUTYROOM_INSTANCE_CODE)


def instance_name() -> str:
    return str(settings.DUTYROOM_INSTANCE_NAME)


def backoff_max() -> float:
    return float(settings.DUTYROOM_FORWARD_BACKOFF_MAX)

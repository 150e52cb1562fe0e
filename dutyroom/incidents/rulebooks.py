"""Bridge between rulebook files and the database snapshots incidents are judged under.

The configured rulebook (``DUTYROOM_RULEBOOK``) is parsed at start-up, so a bad file stops the process
with the key and the reason. Its text is stored once per ``id@version``; if the file later changes
without a version bump we refuse to start rather than silently re-judge history.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction

from dutyroom.common.clock import now as clock_now
from dutyroom.common.engine.prepared import PreparedRead
from dutyroom.common.memo import memoized
from dutyroom.incidents.models import RulebookSnapshot
from dutyroom.rules import Rulebook, RulebookError, load_rulebook_text, rulebook_text


@lru_cache(maxsize=8)
def configured_rulebook() -> tuple[Rulebook, str]:
    """The active rulebook and its raw text; raises ImproperlyConfigured naming the bad key."""
    try:
        return rulebook_text(settings.DUTYROOM_RULEBOOK)
    except RulebookError as error:
        raise ImproperlyConfigured(f"rulebook: {error}") from error


@lru_cache(maxsize=64)
def _parse(ref: str, sha256: str, text: str) -> Rulebook:
    return load_rulebook_text(text, ref)


def rulebook_of(snapshot: RulebookSnapshot) -> Rulebook:
    """The rulebook an incident was judged under (parsed once per process)."""
    return _parse(snapshot.ref, snapshot.sha256, snapshot.text)


def current_snapshot() -> RulebookSnapshot:
    """The snapshot row of the configured rulebook, created on first use; read once per pass (opening an
    incident checks its subtype against it and then stores it)."""
    return memoized(("rulebooks", "current"), _current_snapshot)


# Read by every incident opened: compiled once (compiling took longer than reading the row).
_SNAPSHOT = PreparedRead(lambda ref: RulebookSnapshot.objects.filter(ref=ref), "example-rulebook@0")


def _current_snapshot() -> RulebookSnapshot:
    rulebook, text = configured_rulebook()
    digest = hashlib.sha256(text.encode()).hexdigest()
    existing = _SNAPSHOT.first(rulebook.ref)
    if existing is None:
        try:
            with transaction.atomic():
                existing = RulebookSnapshot.objects.create(
                    ref=rulebook.ref,
                    rulebook_id=rulebook.id,
                    version=rulebook.version,
                    sha256=digest,
                    text=text,
                    loaded_at=clock_now(),
                )
        except IntegrityError:
            existing = RulebookSnapshot.objects.get(ref=rulebook.ref)
    if existing.sha256 != digest:
        raise ImproperlyConfigured(
            f"rulebook {rulebook.ref}: the file changed but its version did not; incidents already judged "
            f"under {rulebook.ref} must keep their rules. Raise `version:` in the file."
        )
    return existing

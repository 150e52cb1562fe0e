"""Open incidents for the write benches, each with a token of its responsible unit's reporter.

Imported inside a configured Django process (the bench's runner sets it up), so the project's modules are
imported where they are used.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def incidents_with_tokens(count: int, *, tag: str, occurred_minutes_ago: float) -> list[tuple[int, str]]:
    """``count`` open 一般 fires, spread over every unit reporter in turn, opened now and occurred
    ``occurred_minutes_ago``; each with a bearer token of the reporter who will file on it."""
    from dutyroom.accounts.models import User
    from dutyroom.accounts.tokens import token_create
    from dutyroom.incidents.services import IncidentInput, incident_create

    reporters = list(User.objects.filter(role="unit_reporter").select_related("unit").order_by("username"))
    now = datetime.now(UTC)
    tokens = {u.pk: token_create(user=u, name=f"bench-{tag}", now=now) for u in reporters}
    seeded = []
    for n in range(count):
        reporter = reporters[n % len(reporters)]
        incident = incident_create(
            actor=reporter,
            now=now,
            data=IncidentInput(
                title=f"{tag} bench {n}",
                category="accident",
                subtype="fire",
                grade="IV",
                occurred_at=now - timedelta(minutes=occurred_minutes_ago),
            ),
        )
        seeded.append((incident.pk, tokens[reporter.pk]))
    return seeded

"""Channel adapters onto ``lead_submit``: a CAP message (one lead per ``info``) and feed entries."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from dutyroom.accounts.models import User
from dutyroom.leads.cap import cap_parse
from dutyroom.leads.models import Lead
from dutyroom.leads.services import LeadInput, LeadOrigin, lead_submit
from dutyroom.rules import LeadChannel


def cap_import(*, actor: User | None, body: bytes, now: datetime, source: str = "") -> list[Lead]:
    """Validate the message and file one lead per ``info`` block, all or nothing."""
    message = cap_parse(body)
    raw = body.decode("utf-8", errors="replace")
    leads = []
    with transaction.atomic():
        for info in message.infos:
            occurred = info.occurred_at if info.occurred_at is not None and info.occurred_at <= now else None
            text = "\n".join([info.text, *message.notes]) if message.notes else info.text
            leads.append(lead_submit(
                data=LeadInput(channel=LeadChannel.CAP_FEED, title=info.title or message.identifier, text=text,
                               url=info.url if info.url.startswith(("http://", "https://")) else "",
                               occurred_at=occurred, address=info.address),
                origin=LeadOrigin(source=source or f"cap:{message.sender}/{message.identifier}", raw=raw,
                                  raw_type=f"cap-{message.version}", sender=actor, category_hint=info.category_hint),
                now=now,
            ))
    return leads

"""Channel adapters onto ``lead_submit``: a CAP message (one lead per ``info``) and feed entries."""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.db import IntegrityError, transaction

from dutyroom.accounts.models import User
from dutyroom.common.errors import Forbidden
from dutyroom.leads.cap import CapMessage, cap_parse
from dutyroom.leads.models import Lead, RawMessage
from dutyroom.leads.services import LeadInput, LeadOrigin, lead_check, lead_submit
from dutyroom.rules import LeadChannel


def may_import_cap(actor: User | None) -> bool:
    """CAP comes from the early-warning systems the duty room subscribes to, as its feeds do: only the people
    who run the feeds (the duty room) or the system itself (``actor`` None) import it. A grid informant files
    leads one at a time through the lead form."""
    return actor is None or actor.is_duty_room


def _inputs(message: CapMessage, now: datetime) -> list[LeadInput]:
    inputs = []
    for info in message.infos:
        occurred = info.occurred_at if info.occurred_at is not None and info.occurred_at <= now else None
        text = "\n".join([info.text, *message.notes]) if message.notes else info.text
        inputs.append(
            LeadInput(
                channel=LeadChannel.CAP_FEED,
                title=info.title or message.identifier,
                text=text,
                url=info.url if info.url.startswith(("http://", "https://")) else "",
                occurred_at=occurred,
                address=info.address,
            )
        )
    return inputs


def _keep(body: bytes, message: CapMessage, actor: User | None, now: datetime) -> RawMessage:
    """The message as received, once; the same bytes sent again find the row already there."""
    digest = hashlib.sha256(body).hexdigest()
    try:
        with transaction.atomic():
            raw, _ = RawMessage.objects.get_or_create(
                sha256=digest,
                defaults={
                    "body": body,
                    "encoding": message.encoding,
                    "raw_type": f"cap-{message.version}",
                    "infos": len(message.infos),
                    "sender": actor,
                    "received_at": now,
                },
            )
    except IntegrityError:  # a concurrent import of the same bytes inserted it first
        raw = RawMessage.objects.get(sha256=digest)
    return raw


def cap_import(*, actor: User | None, body: bytes, now: datetime, source: str = "") -> list[Lead]:
    """Validate the whole message, keep it once, then file one lead per ``info`` block.

    Each lead is filed in a transaction of its own (with its clocks, duplicates and audit entry), so an import
    holds the database's writer for one lead at a time, never for the whole message: on SQLite, a unit's report
    filed meanwhile waits for one lead, not for the import. Everything that could refuse the message is checked
    before the first write; what a crash leaves half-filed, sending the same message again completes (the
    message is known by its digest and the leads already filed from it are counted under its row's lock), and
    a message filed in full files nothing new: the answer lists its leads."""
    if not may_import_cap(actor):
        raise Forbidden("只有值班室可以导入 CAP 预警消息", "only the duty room imports CAP messages")
    message = cap_parse(body)
    inputs = _inputs(message, now)
    for data in inputs:
        lead_check(data, now)
    raw = _keep(body, message, actor, now)
    origin = LeadOrigin(
        source=source or f"cap:{message.sender}/{message.identifier}",
        raw_type=raw.raw_type,
        raw_message=raw,
        sender=actor,
    )
    for index, (data, info) in enumerate(zip(inputs, message.infos, strict=True)):
        with transaction.atomic():
            RawMessage.objects.select_for_update().filter(pk=raw.pk).first()
            if raw.leads.count() > index:
                continue
            origin.category_hint = info.category_hint
            lead_submit(data=data, origin=origin, now=now)
    return list(raw.leads.order_by("id"))

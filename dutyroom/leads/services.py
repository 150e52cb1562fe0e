"""Lead intake (线索接收): one transaction records the lead, starts its verification clocks, stores its
watch hits and probable duplicates, audits it and tells the verifiers.

Every channel comes through ``lead_submit``: the API, the mobile form, CAP messages and feed items, so a
lead from a grid worker's phone and one from a news feed are verified, matched and audited the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from dutyroom.accounts.models import DUTY_ROOM_ROLES, Role, User
from dutyroom.audit.services import audit_record
from dutyroom.common.errors import TooMany
from dutyroom.common.validation import Errors, check_past, check_text
from dutyroom.incidents.rulebooks import current_snapshot, rulebook_of
from dutyroom.leads import dedup, watch
from dutyroom.leads.models import FeedSource, Lead, LeadDuplicate, LeadPhoto, LeadVerifier, RawMessage
from dutyroom.leads.opinion import words_of
from dutyroom.leads.photos import Upload, photo_store, photos_check
from dutyroom.leads.similarity import Signature
from dutyroom.notifications.services import outbox_emit
from dutyroom.obligations import engine
from dutyroom.obligations.chain import receiver_of
from dutyroom.orgs.models import Unit, UnitKind
from dutyroom.orgs.selectors import duty_room_unit, unit_by_code, unit_for_code, unit_subtree_ids
from dutyroom.rules import LeadChannel, ObligationKind, PlannedClock, lead_verification_due


@dataclass
class LeadInput:
    channel: str
    title: str
    text: str = ""
    url: str = ""
    occurred_at: datetime | None = None
    area: str | None = None
    address: str = ""


@dataclass
class LeadOrigin:
    """Who or what sent the lead and in what raw form (kept verbatim for later proof)."""

    source: str
    raw: str = ""
    raw_type: str = ""
    raw_message: RawMessage | None = None  # a message filing several leads is stored once (CAP)
    sender: User | None = None
    feed: FeedSource | None = None
    category_hint: str = ""
    photos: list[Upload] = field(default_factory=list)


def _validate(data: LeadInput, errors: Errors, now: datetime) -> Unit | None:
    if data.channel not in {c.value for c in LeadChannel}:
        errors.add("channel", "线索来源渠道无效", "unknown channel")
    check_text(errors, "title", data.title, required=True, max_length=200)
    check_text(errors, "text", data.text, max_length=20000)
    check_text(errors, "address", data.address, max_length=300)
    if data.url and not data.url.startswith(("http://", "https://")):
        errors.add("url", "链接必须以 http:// 或 https:// 开头", "url must start with http:// or https://")
    check_text(errors, "url", data.url, max_length=500)
    check_past(errors, "occurred_at", data.occurred_at, now)
    return unit_for_code(data.area, errors, "area") if data.area else None


def lead_check(data: LeadInput, now: datetime) -> None:
    """Refuse a lead that ``lead_submit`` would refuse, before anything is written (400 naming the field)."""
    errors = Errors()
    _validate(data, errors, now)
    errors.raise_if_any()


# Channels a person never picks: ``cap_feed`` is stamped by the CAP import, ``authority`` (a superior's call or
# document) is what the duty room receives. Letting a grid worker choose them would route the lead to other
# verifiers and give it the weight of an official source.
PERSON_TYPED = frozenset({"api-json", "web-form"})
DUTY_ROOM_CHANNELS = frozenset({LeadChannel.AUTHORITY.value})
MACHINE_CHANNELS = frozenset({LeadChannel.CAP_FEED.value})


def _typed_by_a_person(data: LeadInput, origin: LeadOrigin, area: Unit | None, errors: Errors) -> None:
    sender = origin.sender
    if sender is None or origin.raw_type not in PERSON_TYPED:
        return
    if data.channel in MACHINE_CHANNELS or (data.channel in DUTY_ROOM_CHANNELS and not sender.is_duty_room):
        errors.add(
            "channel",
            "不能选择该来源渠道（由系统或值班室登记）",
            "this channel is set by the system or the duty room, not chosen by a sender",
        )
    if area is not None and sender.role == Role.INFORMANT and not _informants_area(sender, area):
        errors.add(
            "area",
            "网格员只能报告本网格及所属镇（街道）内的线索",
            "an informant reports leads in their own grid or its town only",
        )


def _informants_area(sender: User, area: Unit) -> bool:
    """An informant's own grid (and below), or the town or zone it belongs to; never another grid or the duty
    room, which would put the lead before verifiers who do not know the place."""
    own = sender.unit
    if own is None:
        return False
    if area.pk in unit_subtree_ids(own):
        return True
    above = own.parent
    while above is not None:
        if above.pk == area.pk:
            return area.kind != UnitKind.DUTY_ROOM
        above = above.parent
    return False


def _limited(origin: LeadOrigin) -> User | None:
    """The person a lead counts against, or None when no limit applies: a lead typed by a person (the form, the
    API) who is not duty-room staff. Feeds and CAP come from sources the duty room chose and have their own
    bounds (the fetch interval, the ``<info>`` limit and the importer's role); the duty room enters what the
    phone and the superior's documents bring, in whatever numbers a disaster brings them."""
    sender = origin.sender
    if sender is None or origin.raw_type not in PERSON_TYPED or sender.role in DUTY_ROOM_ROLES:
        return None
    return sender


def intake_limit_check(sender: User, now: datetime) -> None:
    """Refuse a person's lead beyond ``DUTYROOM_LEAD_LIMIT`` in the last ``DUTYROOM_LEAD_WINDOW_SECONDS``.

    Why 20 in 10 minutes: a grid worker types a title, a line or two and takes a photo, a minute a lead at best
    on a phone; even walking a flooded street and filing every house, 20 in 10 minutes (one every 30 seconds)
    is more than a person manages, so no honest sender meets it. A script or a stolen token is held to 120 an
    hour instead of thousands a minute (the flood that buried the board), and every verifier clock it starts
    still costs a verifier's time, so the bound is on the sender, not on the city's total.

    Counted from the database, so every process and worker agrees without a shared cache: the newest ``limit``
    receipt times of this sender inside the window, on the ``(sender, received_at)`` index (bounded: never
    more than ``limit`` rows read). ``retry_after`` is when the oldest of them leaves the window."""
    limit = int(getattr(settings, "DUTYROOM_LEAD_LIMIT", 20))
    window = timedelta(seconds=int(getattr(settings, "DUTYROOM_LEAD_WINDOW_SECONDS", 600)))
    if limit <= 0:
        return
    recent = list(
        Lead.objects.filter(sender=sender, received_at__gt=now - window)
        .order_by("-received_at")
        .values_list("received_at", flat=True)[:limit]
    )
    if len(recent) < limit:
        return
    wait = max(1, math.ceil((recent[-1] + window - now).total_seconds()))
    minutes = max(1, math.ceil(wait / 60))
    span = max(1, round(window.total_seconds() / 60))
    raise TooMany(
        f"报送过于频繁：每人{span}分钟内最多报送{limit}条线索，请约{minutes}分钟后再报送（已填写的内容不会丢失）",
        f"Too many leads: at most {limit} per person in {span} minutes; please send again in about {minutes} "
        f"minute{'s' if minutes != 1 else ''} (what you typed is kept)",
        retry_after=wait,
    )


def verifier_units(channel: str) -> list[Unit]:
    """The rulebook's verifiers for this channel (unknown codes fall back to the duty room)."""
    rulebook = rulebook_of(current_snapshot())
    codes = rulebook.leads.verifiers_for(channel) if rulebook.leads is not None else ()
    units = [u for u in (unit_by_code(code) for code in codes) if u is not None]
    return units or [duty_room_unit()]


def _local_duty_room(lead: Lead) -> Unit | None:
    """A lead sent from below a town that runs its own duty room (its grid workers) goes to that duty room first,
    which verifies it or sends it on; everyone else's leads go to the rulebook's verifiers as before."""
    sender = lead.sender
    if sender is None or sender.unit is None:
        return None
    return receiver_of(sender.unit)


def _start_clocks(lead: Lead, now: datetime) -> list[LeadVerifier]:
    snapshot = current_snapshot()
    rulebook = rulebook_of(snapshot)
    assert rulebook.leads is not None, f"{rulebook.ref} has no leads section"
    due = lead_verification_due(rulebook, lead.received_at)
    rows = []
    local = _local_duty_room(lead)
    for unit in [local] if local is not None else verifier_units(lead.channel):
        planned = PlannedClock(
            key=f"lead:{lead.pk}:verify:{unit.code}",
            kind=ObligationKind.LEAD_VERIFICATION,
            due_at=due,
            rule=f"{rulebook.ref}/{rulebook.leads.verification.id}",
            anchor_at=lead.received_at,
        )
        obligation, _ = engine.obligation_upsert(incident=None, unit=unit, planned=planned, key=planned.key, now=now)
        rows.append(LeadVerifier.objects.create(lead=lead, unit=unit, obligation=obligation))
    return rows


def _record_duplicates(lead: Lead, now: datetime) -> list[LeadDuplicate]:
    rows = [
        LeadDuplicate(lead=lead, incident_id=m.incident_id, other_id=m.lead_id, score=m.score, created_at=now)
        for m in dedup.lead_duplicates(lead)
    ]
    return LeadDuplicate.objects.bulk_create(rows)


def lead_submit(*, data: LeadInput, origin: LeadOrigin, now: datetime, score_duplicates: bool = True) -> Lead:
    """Record a lead as received now (server clock) and start its verification on the clock."""
    errors = Errors()
    area = _validate(data, errors, now)
    _typed_by_a_person(data, origin, area, errors)
    errors.raise_if_any()
    limited = _limited(origin)
    if limited is not None:
        intake_limit_check(limited, now)  # before the photos are stored: a refused lead leaves nothing behind
    checked = photos_check(origin.photos)
    stored = [photo_store(upload, content_type, ext) for upload, content_type, ext in checked]
    signature = Signature.of(data.title.strip(), data.text.strip())
    with transaction.atomic():
        if limited is not None:
            # one sender's leads are filed one at a time (their user row's lock), and counted again under it,
            # so two parallel requests cannot both take the last place in the window
            User.objects.select_for_update().filter(pk=limited.pk).values_list("pk", flat=True).first()
            intake_limit_check(limited, now)
        lead = Lead.objects.create(
            shingles=signature.shingles,
            kinds=signature.kinds,
            words=" ".join(words_of(data.title.strip(), data.text.strip())),
            channel=data.channel,
            title=data.title.strip(),
            text=data.text.strip(),
            url=data.url,
            occurred_at=data.occurred_at,
            area=area,
            address=data.address.strip(),
            received_at=now,
            source=origin.source[:300],
            sender=origin.sender,
            feed=origin.feed,
            raw=origin.raw,
            raw_type=origin.raw_type,
            raw_message=origin.raw_message,
            category_hint=origin.category_hint,
        )
        for photo in stored:
            LeadPhoto.objects.create(
                lead=lead,
                path=photo.path,
                content_type=photo.content_type,
                size=photo.size,
                sha256=photo.sha256,
                created_at=now,
            )
        verifiers = _start_clocks(lead, now)
        lead.verifier_unit = verifiers[0].unit
        hits = watch.watch_record(lead, now)
        lead.save(update_fields=["verifier_unit", "watch_level"])
        duplicates = _record_duplicates(lead, now) if score_duplicates else []
        audit_record(
            actor=origin.sender,
            action="lead.create",
            object_type="lead",
            object_id=lead.pk,
            at=now,
            unit_code=lead.verifier_unit.code,
            data={
                "channel": lead.channel,
                "title": lead.title,
                "source": lead.source,
                "received_at": now,
                "verifiers": [v.unit.code for v in verifiers],
                "photos": [p.sha256 for p in stored],
                "watch_hits": [h.term_text for h in hits],
                "duplicates": [{"incident": d.incident_id, "lead": d.other_id, "score": d.score} for d in duplicates],
            },
        )
        outbox_emit(
            topic="lead.received",
            units=[v.unit for v in verifiers] + [duty_room_unit()],
            at=now,
            payload={"lead": lead.pk, "title": lead.title, "channel": lead.channel, "watch_level": lead.watch_level},
            sensitive=True,
        )
    return lead

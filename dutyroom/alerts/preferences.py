"""Who wants which alert over which channel: a person's own choice, else their unit's default, else the system's.

One module for reading and writing preferences so the API (``/me/alert-preferences``), the settings page
(``/me/alerts/``), the unit-defaults page and the board's mute switch all validate and audit the same way.

The shape: ``channels`` is the fallback list of outside channels (e-mail, SMS) for any topic not named in
``topics``; ``topics`` maps a topic to exactly the channels wanted for it, in-app included. In-app cannot be
switched off for the statutory ladder and for chases (``MANDATORY_INAPP``): the inbox is where "shown once" is
kept and where the duty room can prove a unit was told, so a person may silence a lead or a finding, never the
clock that is about to run out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from dutyroom.accounts.models import Role, User
from dutyroom.alerts.models import AlertPreference, Channel
from dutyroom.audit.services import audit_record
from dutyroom.common.errors import Forbidden
from dutyroom.common.memo import MISSING, recall, remember
from dutyroom.common.validation import Errors
from dutyroom.orgs.models import Unit
from dutyroom.rules import AlertTopic
from dutyroom.rules.alerts import LADDER_TOPICS

INAPP = "inapp"
DEFAULT_CHANNELS: tuple[str, ...] = (Channel.EMAIL, Channel.SMS)
OUTSIDE_CHANNELS: tuple[str, ...] = (Channel.EMAIL, Channel.SMS)
TOPIC_CHANNELS: tuple[str, ...] = (INAPP, *OUTSIDE_CHANNELS)
MANDATORY_INAPP: frozenset[str] = frozenset({*LADDER_TOPICS, AlertTopic.CHASE})
TOPICS: tuple[str, ...] = tuple(t.value for t in AlertTopic)
# A mainland mobile number (what an SMS gateway can reach): 11 digits from 13x to 19x, an optional +86 / 86.
MOBILE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")


# ---- reads ----


def preferences_of(users: Iterable[User]) -> dict[int, AlertPreference | None]:
    """Each user's effective row (own, else their unit's, else None) in two queries, whatever the number of
    recipients: the ladder and the fan-out call this once per alert, not once per person."""
    people = list(users)
    known: dict[int, AlertPreference | None] = {}
    unknown = []
    for person in people:
        hit = recall(("preference", person.pk))
        if hit is MISSING:
            unknown.append(person)
        else:
            known[person.pk] = hit
    if unknown:  # read together, remembered one by one: the next batch asks about a different set of people
        for pk, pref in _preferences_of(unknown).items():
            remember(("preference", pk), pref)
            known[pk] = pref
    return {u.pk: known[u.pk] for u in people}


def _preferences_of(people: list[User]) -> dict[int, AlertPreference | None]:
    own = {p.user_id: p for p in AlertPreference.objects.filter(user_id__in=[u.pk for u in people])}
    unit_ids = {u.unit_id for u in people if u.pk not in own and u.unit_id is not None}
    by_unit = {p.unit_id: p for p in AlertPreference.objects.filter(unit_id__in=unit_ids)} if unit_ids else {}
    return {u.pk: own.get(u.pk) or (by_unit.get(u.unit_id) if u.unit_id is not None else None) for u in people}


def preference_of(user: User) -> AlertPreference | None:
    return preferences_of([user])[user.pk]


def topic_channels(pref: AlertPreference | None, topic: str | None) -> list[str]:
    """The channels wanted for one topic (``inapp`` included), before checking that an address exists."""
    if pref is None:
        chosen = [INAPP, *DEFAULT_CHANNELS]
    elif topic is not None and topic in (pref.topics or {}):
        chosen = list(pref.topics[topic])
    else:
        chosen = [INAPP, *pref.channels]
    if topic in MANDATORY_INAPP and INAPP not in chosen:
        chosen.insert(0, INAPP)
    return [c for c in TOPIC_CHANNELS if c in chosen]


def outside_channels(user: User, pref: AlertPreference | None, topic: str | None = None) -> list[str]:
    """E-mail and SMS wanted for ``topic`` and reachable: a channel without an address is dropped."""
    address = {Channel.EMAIL.value: user.email, Channel.SMS.value: user.phone}
    return [c for c in topic_channels(pref, topic) if address.get(c)]


def wants_inapp(pref: AlertPreference | None, topic: str) -> bool:
    return INAPP in topic_channels(pref, topic)


def topic_matrix(pref: AlertPreference | None) -> dict[str, list[str]]:
    """Every topic with its channels, as the page and the API show them."""
    return {topic: topic_channels(pref, topic) for topic in TOPICS}


def sound_on(user: User) -> bool:
    """Whether the board plays its cue for this person (own choice, else the unit's, else on)."""
    pref = preference_of(user)
    return pref.sound if pref is not None else True


# ---- checks ----


def normal_mobile(value: str) -> str:
    """Spaces and dashes people type are dropped, so the stored number is what the SMS gateway gets."""
    return re.sub(r"[\s\-]", "", value)


def _check_contact(errors: Errors, email: str | None, phone: str | None) -> None:
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.add(
                "email",
                "电子邮件地址无效，请按 name@example.com 的格式填写",
                "invalid e-mail address; write it as name@example.com",
            )
    if phone and not MOBILE.match(normal_mobile(phone)):
        errors.add(
            "phone",
            "手机号码无效，请填写 11 位手机号码（如 13800000000）",
            "invalid mobile number; enter 11 digits such as 13800000000",
        )


def _check_channels(errors: Errors, channels: list[str] | None, topics: dict[str, list[str]] | None) -> None:
    for index, channel in enumerate(channels or []):
        if channel not in OUTSIDE_CHANNELS:
            errors.add(f"channels[{index}]", "只能选择 email 或 sms", "must be email or sms")
    for topic, wanted in (topics or {}).items():
        if topic not in TOPICS:
            errors.add(f"topics.{topic}", f"未知主题：{topic}", f"unknown topic {topic}")
            continue
        for index, channel in enumerate(wanted):
            if channel not in TOPIC_CHANNELS:
                errors.add(f"topics.{topic}[{index}]", "只能选择 inapp、email 或 sms", "must be inapp, email or sms")
        if topic in MANDATORY_INAPP and INAPP not in wanted:
            errors.add(
                f"topics.{topic}", "时限提醒和催报必须保留站内通知", "in-app cannot be turned off for clocks and chases"
            )


def _apply(
    pref: AlertPreference, channels: list[str] | None, topics: dict[str, list[str]] | None, sound: bool | None
) -> None:
    if channels is not None:
        pref.channels = list(dict.fromkeys(channels))
    if topics is not None:
        merged = dict(pref.topics or {})
        merged.update({t: [c for c in TOPIC_CHANNELS if c in wanted] for t, wanted in topics.items()})
        pref.topics = merged
    if sound is not None:
        pref.sound = sound


# ---- writes ----


def preference_set(
    *,
    actor: User,
    now: datetime,
    channels: list[str] | None = None,
    topics: dict[str, list[str]] | None = None,
    sound: bool | None = None,
    email: str | None = None,
    phone: str | None = None,
) -> AlertPreference:
    """A person's own channels, per-topic choices, browser cue and contact details (where e-mail and SMS go).

    A person's first own row starts as a copy of their unit's default, so muting the sound does not silently
    throw away the channels the duty room chose for the unit.
    """
    errors = Errors()
    _check_contact(errors, email, phone)
    _check_channels(errors, channels, topics)
    errors.raise_if_any()
    if phone is not None:
        phone = normal_mobile(phone)
    with transaction.atomic():
        pref = AlertPreference.objects.select_for_update().filter(user=actor).first()
        if pref is None:
            base = AlertPreference.objects.filter(unit_id=actor.unit_id).first() if actor.unit_id else None
            pref = AlertPreference(
                user=actor,
                channels=list(base.channels) if base else list(DEFAULT_CHANNELS),
                topics=dict(base.topics) if base else {},
                sound=base.sound if base else True,
            )
        _apply(pref, channels, topics, sound)
        pref.save()
        contact = {k: v for k, v in (("email", email), ("phone", phone)) if v is not None}
        if contact:
            User.objects.filter(pk=actor.pk).update(**contact)
            for name, value in contact.items():
                setattr(actor, name, value)
        audit_record(
            actor=actor,
            action="alerts.preferences",
            object_type="user",
            object_id=actor.pk,
            at=now,
            data={
                "channels": pref.channels,
                "topics": pref.topics,
                "sound": pref.sound,
                "contact_changed": sorted(contact),
            },
        )
    return pref


def may_set_unit_defaults(actor: User) -> bool:
    """The duty room (it answers for who hears a clock) and the admin; never a unit's own staff."""
    return actor.is_duty_room or actor.role == Role.ADMIN


def unit_preference_set(
    *,
    actor: User,
    unit: Unit,
    now: datetime,
    channels: list[str] | None = None,
    topics: dict[str, list[str]] | None = None,
    sound: bool | None = None,
) -> AlertPreference:
    """A unit's default for every member who has not chosen for themselves; audited against the unit."""
    if not may_set_unit_defaults(actor):
        raise Forbidden(
            "只有值班室或管理员可以设置单位默认提醒方式",
            "only the duty room or an admin may set a unit's alert defaults",
        )
    errors = Errors()
    _check_channels(errors, channels, topics)
    errors.raise_if_any()
    with transaction.atomic():
        pref = AlertPreference.objects.select_for_update().filter(unit=unit).first()
        if pref is None:
            pref = AlertPreference(unit=unit, channels=list(DEFAULT_CHANNELS), topics={}, sound=True)
        _apply(pref, channels, topics, sound)
        pref.save()
        audit_record(
            actor=actor,
            action="alerts.unit_preferences",
            object_type="unit",
            object_id=unit.pk,
            at=now,
            unit_code=unit.code,
            data={"channels": pref.channels, "topics": pref.topics, "sound": pref.sound},
        )
    return pref

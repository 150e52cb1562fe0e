"""Every write of the alerts package: emitting an alert, chasing, reading, webhooks, retrying a delivery.

``alert_emit`` runs inside the caller's transaction (the ladder's, a chase's, the fan-out's), so an alert
exists exactly when its cause committed; deliveries leave later, from the worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlparse

from django.db import IntegrityError, transaction

from dutyroom.accounts.models import Role, User
from dutyroom.alerts.models import (
    DELIVERIES,
    AlertEvent,
    Channel,
    Chase,
    Delivery,
    DeliveryState,
    Notification,
    Webhook,
)
from dutyroom.alerts.preferences import outside_channels, preferences_of, wants_inapp
from dutyroom.alerts.texts import alert_text, protected
from dutyroom.alerts.unread import unread_forget
from dutyroom.audit.services import audit_record
from dutyroom.common import wakeup
from dutyroom.common.engine.bulk import insert_many, insert_rows
from dutyroom.common.errors import Conflict, Forbidden
from dutyroom.common.memo import memoized
from dutyroom.common.validation import Errors
from dutyroom.incidents.models import Incident
from dutyroom.obligations.models import Obligation
from dutyroom.orgs.models import Unit
from dutyroom.orgs.selectors import unit_for_code
from dutyroom.reports.access import may_act_on_clock
from dutyroom.rules import AlertTopic, ObligationKind, ObligationState, evaluate


def _webhooks_for(topic: str, unit: Unit | None, incident: Incident | None) -> list[Webhook]:
    units = {u for u in (unit.pk if unit else None, incident.unit_id if incident else None) if u is not None}
    active = memoized(("webhooks",), lambda: list(Webhook.objects.filter(active=True)))
    return [
        hook
        for hook in active
        if (not hook.topics or topic in hook.topics) and (hook.unit_id is None or hook.unit_id in units)
    ]


BULK = 1000  # deliveries per INSERT


@dataclass(frozen=True)
class AlertSpec:
    """One alert to write: its key (one per cause), topic, people, and what it is about."""

    key: str
    topic: AlertTopic
    recipients: list[User]
    incident: Incident | None = None
    obligation: Obligation | None = None
    unit: Unit | None = None
    text: str | None = None  # words chosen by the caller (already safe for every channel), else alert_text's


def _event_of(spec: AlertSpec, now: datetime) -> AlertEvent:
    """The event row of a spec; foreign keys set by id (a descriptor per key cost more than the row's INSERT in a
    burst)."""
    return AlertEvent(
        key=spec.key,
        topic=spec.topic,
        incident_id=spec.incident.pk if spec.incident else None,
        obligation_id=spec.obligation.pk if spec.obligation else None,
        unit_id=spec.unit.pk if spec.unit else None,
        created_at=now,
        protected=protected(spec.incident),
        text=spec.text
        if spec.text is not None
        else alert_text(spec.topic, incident=spec.incident, obligation=spec.obligation, unit=spec.unit),
    )


def _reach(pairs: list[tuple[AlertEvent, AlertSpec]], now: datetime) -> None:
    """Inbox rows and deliveries of written events, in one INSERT each however many events there are. Inbox rows
    are written as plain rows (``insert_rows``): three a clock in the overdue burst, built as instances only to be
    inserted."""
    people = {person.pk: person for _event, spec in pairs for person in spec.recipients}
    prefs = preferences_of(list(people.values()))  # each person's choices, read once for the whole batch
    inbox = [
        (event.pk, person.pk, now)
        for event, spec in pairs
        for person in spec.recipients
        if wants_inapp(prefs[person.pk], spec.topic)
    ]
    deliveries = [
        Delivery(
            key=f"{spec.key}|{channel}|u{person.pk}",
            event_id=event.pk,
            channel=channel,
            user_id=person.pk,
            target=person.email if channel == Channel.EMAIL else person.phone,
            next_at=now,
            created_at=now,
        )
        for event, spec in pairs
        for person in spec.recipients
        for channel in outside_channels(person, prefs[person.pk], spec.topic)
    ] + [
        Delivery(
            key=f"{spec.key}|webhook|w{hook.pk}",
            event_id=event.pk,
            channel=Channel.WEBHOOK,
            webhook_id=hook.pk,
            target=hook.url,
            next_at=now,
            created_at=now,
        )
        for event, spec in pairs
        for hook in _webhooks_for(spec.topic, spec.unit, spec.incident)
    ]
    insert_rows(Notification, ("event_id", "user_id", "created_at"), inbox)
    Delivery.objects.bulk_create(deliveries, batch_size=BULK)
    if deliveries:
        transaction.on_commit(wakeup.notify)


def alert_emit(
    *,
    key: str,
    topic: AlertTopic,
    recipients: list[User],
    now: datetime,
    incident: Incident | None = None,
    obligation: Obligation | None = None,
    unit: Unit | None = None,
    text: str | None = None,
) -> AlertEvent | None:
    """Write the event, one inbox row per person and one delivery per (person, channel) and webhook.

    Returns None when ``key`` was already emitted (a second worker, a retry): nothing is written twice.
    """
    spec = AlertSpec(
        key=key, topic=topic, recipients=recipients, incident=incident, obligation=obligation, unit=unit, text=text
    )
    try:
        with transaction.atomic():  # a savepoint: a duplicate key leaves the caller's transaction usable
            event = _event_of(spec, now)
            event.save()
    except IntegrityError:
        return None
    _reach([(event, spec)], now)
    return event


def alerts_emit_many(specs: list[AlertSpec], now: datetime) -> list[AlertEvent]:
    """``alert_emit`` for many alerts whose keys the caller has claimed (the ladder's marks), in three INSERTs
    instead of three per alert (the overdue burst: 1,700 clocks a second each owe an alert). A key already
    emitted raises ``IntegrityError`` for the whole batch: the caller rolls back and goes one by one."""
    events = [_event_of(spec, now) for spec in specs]
    insert_many(events, returning_ids=True)
    _reach(list(zip(events, specs, strict=True)), now)
    return events


# ---- chase (催报) ----


def _require_duty_room(actor: User, what: str, what_en: str) -> None:
    if not actor.is_duty_room:
        raise Forbidden(f"只有值班室可以{what}", f"only the duty room may {what_en}")


def chase_create(*, actor: User, obligation: Obligation, now: datetime, note: str = "") -> Chase:
    """Record who chased whom and when, and reach the unit's reporters and leader at once on every channel."""
    if not may_act_on_clock(actor, obligation.owed_to):  # a town's duty room chases the clocks owed to it
        _require_duty_room(actor, "催报", "chase a unit")
    with transaction.atomic():
        locked = (
            Obligation.objects.select_for_update(of=("self",)).select_related("unit", "incident").get(pk=obligation.pk)
        )
        if locked.kind == ObligationKind.RECEIPT:
            raise Conflict(
                "签收时限是值班室自己的事项，不能催报", "a receipt clock is the duty room's own and cannot be chased"
            )
        state = locked.state
        if state == ObligationState.PENDING:
            state = evaluate(locked.due_at, locked.met_at, now).state
        if state not in (ObligationState.PENDING, ObligationState.OVERDUE):
            raise Conflict("该时限已完成或已免除，无需催报", "the obligation is no longer pending or overdue")
        chase = Chase.objects.create(obligation=locked, unit=locked.unit, by=actor, at=now, note=note[:300])
        audit_record(
            actor=actor,
            action="obligation.chase",
            object_type="obligation",
            object_id=locked.pk,
            at=now,
            incident_id=locked.incident_id,
            unit_code=locked.unit.code,
            data={"chase": chase.pk, "kind": locked.kind, "state": state, "note": chase.note},
        )
        staff = list(
            User.objects.filter(
                unit=locked.unit, role__in=[Role.UNIT_REPORTER, Role.UNIT_LEADER], is_active=True
            ).order_by("id")
        )
        alert_emit(
            key=f"chase:{chase.pk}",
            topic=AlertTopic.CHASE,
            recipients=staff,
            now=now,
            incident=locked.incident,
            obligation=locked,
            unit=locked.unit,
        )
    return chase


# ---- inbox ----


def notification_mark_read(*, actor: User, notification: Notification, now: datetime) -> Notification:
    if notification.user_id != actor.pk:
        raise Forbidden("只能标记自己的通知", "you can only mark your own notifications")
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
    unread_forget()
    notification.refresh_from_db(fields=["read_at"])
    return notification


def notifications_mark_all_read(*, actor: User, now: datetime) -> int:
    marked = Notification.objects.filter(user=actor, read_at__isnull=True).update(read_at=now)
    unread_forget()
    return marked


# ---- webhooks ----


@dataclass(frozen=True)
class WebhookInput:
    url: str
    secret: str
    topics: list[str]
    unit: str | None = None


def webhook_create(*, actor: User, data: WebhookInput, now: datetime) -> Webhook:
    if actor.role != Role.ADMIN:
        raise Forbidden("只有管理员可以登记 Webhook", "only an admin may register webhooks")
    errors = Errors()
    parsed = urlparse(data.url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        errors.add("url", "必须是 http(s) 地址", "must be an http(s) URL")
    if len(data.secret) < 8:
        errors.add("secret", "密钥至少 8 个字符", "must be at least 8 characters")
    known = {t.value for t in AlertTopic}
    for index, topic in enumerate(data.topics):
        if topic not in known:
            errors.add(f"topics[{index}]", f"未知主题：{topic}", f"unknown topic {topic}")
    unit = unit_for_code(data.unit, errors) if data.unit else None
    errors.raise_if_any()
    with transaction.atomic():
        hook = Webhook.objects.create(
            url=data.url,
            secret=data.secret,
            topics=list(dict.fromkeys(data.topics)),
            unit=unit,
            created_by=actor,
            created_at=now,
        )
        audit_record(
            actor=actor,
            action="webhook.create",
            object_type="webhook",
            object_id=hook.pk,
            at=now,
            data={"url": hook.url, "topics": hook.topics, "unit": unit.code if unit else None},
        )
    return hook


def webhook_delete(*, actor: User, webhook: Webhook, now: datetime) -> None:
    if actor.role != Role.ADMIN:
        raise Forbidden("只有管理员可以删除 Webhook", "only an admin may delete webhooks")
    with transaction.atomic():
        Webhook.objects.filter(pk=webhook.pk).update(active=False)
        Delivery.objects.filter(webhook=webhook, state=DeliveryState.PENDING).update(
            state=DeliveryState.FAILED, last_error="webhook deleted"
        )
        audit_record(
            actor=actor,
            action="webhook.delete",
            object_type="webhook",
            object_id=webhook.pk,
            at=now,
            data={"url": webhook.url},
        )


def delivery_retry(*, actor: User, delivery: Delivery, now: datetime) -> Delivery:
    """A person retries a failed delivery by hand: it goes back to the queue with the same delivery id."""
    if not (actor.is_duty_room or actor.role == Role.ADMIN):
        raise Forbidden("只有值班室或管理员可以重发", "only the duty room or an admin may retry deliveries")
    with transaction.atomic():
        if not DELIVERIES.requeue(delivery.pk, now):
            raise Conflict("只有失败的发送可以重发", "only a failed delivery can be retried")
        audit_record(
            actor=actor,
            action="delivery.retry",
            object_type="delivery",
            object_id=delivery.pk,
            at=now,
            data={"channel": delivery.channel, "attempts": delivery.attempts},
        )
    transaction.on_commit(wakeup.notify)
    delivery.refresh_from_db()
    return delivery

"""Alerts and delivery (docs/api.md): inbox, chase, webhooks, roster."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router
from ninja.responses import Status
from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from dutyroom.accounts.models import User
from dutyroom.alerts.access import (
    access_delivery,
    access_notification,
    access_webhook,
    visible_chases,
    visible_deliveries,
    visible_notifications,
    visible_webhooks,
)
from dutyroom.alerts.models import AlertPreference, Chase, Delivery, DeliveryAttempt, Notification, Webhook
from dutyroom.alerts.preferences import (
    may_set_unit_defaults,
    outside_channels,
    preference_of,
    preference_set,
    topic_matrix,
    unit_preference_set,
)
from dutyroom.alerts.services import (
    WebhookInput,
    chase_create,
    delivery_retry,
    notification_mark_read,
    webhook_create,
    webhook_delete,
)
from dutyroom.alerts.texts import inbox_text
from dutyroom.api.idempotency import idempotent
from dutyroom.api.outputs import (
    ChaseOut,
    DeliveryOut,
    NotificationOut,
    PreferencesOut,
    RosterNowOut,
    UnitPreferencesOut,
    WebhookAttemptOut,
    WebhookOut,
)
from dutyroom.api.paging import Paging, paged
from dutyroom.api.routes.common import Body, caller, check_choice, parse_since, unit_filter
from dutyroom.api.schemas import Strict, no_body
from dutyroom.common import limits
from dutyroom.common.clock import now as clock_now
from dutyroom.common.errors import Forbidden, NotFound
from dutyroom.common.timefmt import iso_local
from dutyroom.common.validation import url_problem
from dutyroom.duty.selectors import roster_now
from dutyroom.orgs.models import Unit
from dutyroom.orgs.selectors import unit_by_code
from dutyroom.reports.access import access_obligation
from dutyroom.rules import AlertTopic

router = Router(tags=["alerts"])
TOPICS = [t.value for t in AlertTopic]
TopicIn = Literal[
    "reminder",
    "overdue",
    "escalation",
    "receipt_overdue",
    "chase",
    "new_incident",
    "regraded",
    "verification_request",
    "finding",
    "lead",
    "instruction",
]


class ChaseIn(Strict):
    note: str = Field(default="", max_length=300)


ChannelIn = Literal["inapp", "email", "sms"]


class UnitPreferencesIn(Strict):
    channels: list[Literal["email", "sms"]] | None = None
    topics: dict[TopicIn, list[ChannelIn]] | None = None
    sound: bool | None = None


class PreferencesIn(UnitPreferencesIn):
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=40)


class WebhookIn(Strict):
    url: str = Field(max_length=500)
    secret: str = Field(max_length=200)
    topics: list[TopicIn] = Field(default_factory=list)
    unit: str | None = Field(default=None, max_length=64)

    @field_validator("url")
    @classmethod
    def http_url(cls, value: str) -> str:
        problem = url_problem(value)
        if problem is not None:
            raise PydanticCustomError("url_refused", "{en}", {"zh": problem[0], "en": problem[1]})
        return value


def notification_view(n: Notification) -> Body:
    """The inbox row; ``text`` as its owner may read it (``alerts.texts.inbox_text``)."""
    event = n.event
    return {
        "id": n.pk,
        "topic": event.topic,
        "incident": event.incident_id,
        "obligation": event.obligation_id,
        "text": inbox_text(event, n.user),
        "created_at": iso_local(n.created_at),
        "read_at": iso_local(n.read_at),
    }


def chase_view(c: Chase) -> Body:
    return {
        "id": c.pk,
        "obligation": c.obligation_id,
        "unit": c.unit.code,
        "by": c.by.username,
        "at": iso_local(c.at),
        "note": c.note,
    }


def webhook_view(w: Webhook) -> Body:
    return {
        "id": w.pk,
        "url": w.url,
        "topics": w.topics,
        "unit": w.unit.code if w.unit else None,
        "created_at": iso_local(w.created_at),
    }


def delivery_view(d: Delivery) -> Body:
    return {
        "id": d.pk,
        "delivery": str(d.uuid),
        "channel": d.channel,
        "state": d.state,
        "attempts": d.attempts,
        "topic": d.event.topic,
        "target": d.target,
        "last_error": d.last_error,
        "attempt_log": [{"at": iso_local(a.at), "status": a.status, "error": a.error} for a in d.attempt_rows.all()],
    }


@router.get("/notifications", response=list[NotificationOut])
def list_notifications(
    request: HttpRequest,
    response: HttpResponse,
    paging: Query[Paging],
    since: str | None = None,
    topic: str | None = None,
    unread: bool | None = None,
) -> list[Any]:
    check_choice("topic", topic, TOPICS)
    qs = visible_notifications(caller(request))
    after = parse_since(since)
    if after is not None:
        qs = qs.filter(created_at__gte=after)
    if topic:
        qs = qs.filter(event__topic=topic)
    if unread is True:
        qs = qs.filter(read_at__isnull=True)
    elif unread is False:
        qs = qs.filter(read_at__isnull=False)
    qs = qs.select_related("user__unit", "event__obligation", "event__unit")
    return paged(request, response, qs.order_by("-created_at", "-id"), paging, notification_view)


@router.post("/notifications/{notification_id}/read", response=NotificationOut)
def read_notification(request: HttpRequest, notification_id: int) -> Any:
    no_body(request)
    user = caller(request)
    found = access_notification(user, notification_id)
    return notification_view(notification_mark_read(actor=user, notification=found, now=clock_now()))


def preferences_view(user: User, pref: AlertPreference | None) -> Body:
    """``channels``/``topics`` in effect (own, else the unit's default); ``chosen`` is the caller's own row."""
    effective = preference_of(user)
    own = pref if pref is not None and pref.user_id == user.pk else None
    return {
        "channels": outside_channels(user, effective),
        "chosen": list(own.channels) if own else None,
        "topics": topic_matrix(effective),
        "sound": effective.sound if effective else True,
        "from_unit": effective is not None and effective.unit_id is not None,
        "email": user.email,
        "phone": user.phone,
    }


@router.get("/me/alert-preferences", response=PreferencesOut)
def get_preferences(request: HttpRequest) -> Any:
    """Where the caller's alerts go: ``channels`` in effect (an address must exist), ``chosen`` as set."""
    user = caller(request)
    return preferences_view(user, AlertPreference.objects.filter(user=user).first())


@router.put("/me/alert-preferences", response=PreferencesOut)
def put_preferences(request: HttpRequest, payload: PreferencesIn) -> Any:
    user = caller(request)
    pref = preference_set(actor=user, now=clock_now(), **payload.model_dump())
    return preferences_view(user, pref)


def unit_preferences_view(unit: Unit) -> Body:
    pref = AlertPreference.objects.filter(unit=unit).first()
    return {
        "unit": unit.code,
        "set": pref is not None,
        "channels": list(pref.channels) if pref else None,
        "topics": topic_matrix(pref),
        "sound": pref.sound if pref else True,
    }


def _unit_for(user: User, code: str, *, write: bool) -> Unit:
    """A unit's defaults are read by its own members and set by the duty room or an admin (403 for others)."""
    unit = unit_by_code(code) if len(code) <= limits.UNIT_CODE else None
    if unit is None:
        raise NotFound("单位")
    if not may_set_unit_defaults(user) and (write or user.unit_id != unit.pk):
        raise Forbidden(
            "只有值班室或管理员可以设置单位默认提醒方式",
            "only the duty room or an admin may set a unit's alert defaults",
        )
    return unit


@router.get("/units/{unit}/alert-preferences", response=UnitPreferencesOut)
def get_unit_preferences(request: HttpRequest, unit: str) -> Any:
    """A unit's default channels per topic and sound, for members who have not chosen their own."""
    return unit_preferences_view(_unit_for(caller(request), unit, write=False))


@router.put("/units/{unit}/alert-preferences", response=UnitPreferencesOut)
def put_unit_preferences(request: HttpRequest, unit: str, payload: UnitPreferencesIn) -> Any:
    user = caller(request)
    found = _unit_for(user, unit, write=True)
    unit_preference_set(actor=user, unit=found, now=clock_now(), **payload.model_dump())
    return unit_preferences_view(found)


@router.post("/obligations/{obligation_id}/chase", response={201: ChaseOut})
def chase_obligation(request: HttpRequest, obligation_id: int, payload: ChaseIn | None = None) -> Status[Any]:
    user = caller(request)
    obligation = access_obligation(user, obligation_id)

    def action() -> tuple[int, Any]:
        chase = chase_create(actor=user, obligation=obligation, now=clock_now(), note=payload.note if payload else "")
        return 201, chase_view(chase)

    return Status(*idempotent(request, action))


@router.get("/chases", response=list[ChaseOut])
def list_chases(
    request: HttpRequest,
    response: HttpResponse,
    paging: Query[Paging],
    unit: str | None = None,
    obligation: int | None = Query(None, ge=1, le=2**63 - 1),
) -> list[Any]:
    qs = visible_chases(caller(request))
    if unit:
        qs = qs.filter(unit=unit_filter(unit))
    if obligation is not None:
        qs = qs.filter(obligation_id=obligation)
    return paged(request, response, qs, paging, chase_view)


@router.post("/webhooks", response={201: WebhookOut})
def create_webhook(request: HttpRequest, payload: WebhookIn) -> Status[Any]:
    user = caller(request)

    def action() -> tuple[int, Any]:
        hook = webhook_create(actor=user, data=WebhookInput(**payload.model_dump()), now=clock_now())
        return 201, webhook_view(hook)

    return Status(*idempotent(request, action))


@router.get("/webhooks", response=list[WebhookOut])
def list_webhooks(request: HttpRequest, response: HttpResponse, paging: Query[Paging]) -> list[Any]:
    return paged(
        request, response, visible_webhooks(caller(request)).select_related("unit").order_by("id"), paging, webhook_view
    )


@router.delete("/webhooks/{webhook_id}", response={204: None})
def delete_webhook(request: HttpRequest, webhook_id: int) -> Status[None]:
    no_body(request)
    user = caller(request)
    webhook_delete(actor=user, webhook=access_webhook(user, webhook_id), now=clock_now())
    return Status(204, None)


@router.get("/webhooks/{webhook_id}/deliveries", response=list[WebhookAttemptOut])
def webhook_deliveries(
    request: HttpRequest, response: HttpResponse, paging: Query[Paging], webhook_id: int
) -> list[Any]:
    """Each attempt of each delivery to this webhook, newest first: ``at``, ``status``, ``error``."""
    hook = access_webhook(caller(request), webhook_id)
    attempts = (
        DeliveryAttempt.objects.filter(delivery__webhook=hook)
        .select_related("delivery__event")
        .order_by("-delivery_id", "-id")
    )
    return paged(request, response, attempts, paging, _attempt_view, default=200)


def _attempt_view(a: DeliveryAttempt) -> Body:
    d = a.delivery
    return {
        "at": iso_local(a.at),
        "status": a.status,
        "error": a.error,
        "delivery": str(d.uuid),
        "topic": d.event.topic,
        "state": d.state,
    }


@router.get("/deliveries", response=list[DeliveryOut])
def list_deliveries(
    request: HttpRequest, response: HttpResponse, paging: Query[Paging], state: str | None = None
) -> list[Any]:
    check_choice("state", state, ["pending", "sending", "delivered", "failed"])
    qs = visible_deliveries(caller(request)).prefetch_related("attempt_rows")
    if state:
        qs = qs.filter(state=state)
    return paged(request, response, qs.order_by("-id"), paging, delivery_view, default=200)


@router.post("/deliveries/{delivery_id}/retry", response=DeliveryOut)
def retry_delivery(request: HttpRequest, delivery_id: int) -> Any:
    no_body(request)
    user = caller(request)
    return delivery_view(delivery_retry(actor=user, delivery=access_delivery(user, delivery_id), now=clock_now()))


@router.get("/roster/now", response=RosterNowOut)
def get_roster_now(request: HttpRequest) -> Any:
    """Who is on duty now; all null when no shift covers the moment (alerts then go to every duty officer).
    A town's duty officer or leader reads the town's own roster."""
    shift = roster_now(clock_now(), caller(request).local_duty_room)
    if shift is None:
        return {"duty_officer": None, "duty_leader": None, "city_leader": None, "shift": None}
    return {
        "duty_officer": shift.duty_officer.username,
        "duty_leader": shift.duty_leader.username,
        "city_leader": shift.city_leader.username if shift.city_leader else None,
        "shift": {"starts_at": iso_local(shift.starts_at), "ends_at": iso_local(shift.ends_at)},
    }

"""Leads (线索), CAP import, verification, feeds and watch lists (docs/api.md)."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router
from ninja.responses import Status
from pydantic import AwareDatetime, Field

from dutyroom.api.idempotency import idempotent
from dutyroom.api.outputs import FeedOut, IncidentDuplicateOut, LeadDetailOut, LeadOut, WatchTermOut
from dutyroom.api.paging import Paging, paged
from dutyroom.api.routes.common import caller, check_choice, parse_since
from dutyroom.api.schemas import Strict, no_body  # one base: unknown fields and NUL bytes refused alike
from dutyroom.common.clock import now as clock_now
from dutyroom.common.errors import ValidationFailed
from dutyroom.common.timefmt import iso_local
from dutyroom.incidents.access import access_incident, visible_incidents
from dutyroom.leads.access import (
    access_lead,
    access_lead_duplicate,
    access_watch_term,
    visible_leads,
    watch_terms_readable,
)
from dutyroom.leads.feeds import feed_source_create
from dutyroom.leads.incident_dups import (
    access_incident_duplicate,
    incident_duplicate_decide,
    incident_duplicate_view,
    incident_duplicates,
)
from dutyroom.leads.intake import cap_import
from dutyroom.leads.models import FeedSource, LeadState
from dutyroom.leads.services import LeadInput, LeadOrigin, lead_submit
from dutyroom.leads.verify import VerifyInput, duplicate_decide, lead_start, lead_verify
from dutyroom.leads.views import lead_view, watch_term_view
from dutyroom.leads.watch_terms import WatchTermInput, watch_term_create, watch_term_delete
from dutyroom.rules import LeadChannel

router = Router(tags=["leads"])
ChannelIn = Literal["media", "internet", "new_media", "informant", "grid", "hotline", "authority", "public", "cap_feed"]
CAP_TYPES = ("application/cap+xml", "application/xml", "text/xml")


class LeadIn(Strict):
    channel: ChannelIn
    title: str = Field(max_length=200)
    text: str = Field(default="", max_length=20000)
    url: str = Field(default="", max_length=500)
    occurred_at: AwareDatetime | None = None
    area: str | None = Field(default=None, max_length=64)
    address: str = Field(default="", max_length=300)


class VerifyIn(Strict):
    outcome: Literal["confirmed", "false", "duplicate", "not_incident"]
    incident: int | None = None
    reason: str = Field(default="", max_length=2000)
    duplicate_of: int | None = None
    category: Literal["natural", "accident", "public_health", "social_security"] | None = None
    subtype: str = Field(default="", max_length=40)
    grade: Literal["I", "II", "III", "IV"] | None = None
    unit: str | None = Field(default=None, max_length=64)


class DecisionIn(Strict):
    duplicate: bool


class WatchTermIn(Strict):
    term: str = Field(max_length=100)
    kind: Literal["keyword", "place", "topic", "event"]
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None


class FeedIn(Strict):
    name: str = Field(max_length=100)
    url: str = Field(max_length=500)
    channel: ChannelIn = "media"
    interval_seconds: int = Field(default=300, ge=60, le=86400)


def _fresh(lead_id: int, request: HttpRequest) -> Any:
    return lead_view(access_lead(caller(request), lead_id), clock_now(), detail=True)


@router.post("/leads", response={201: LeadDetailOut})
def create_lead(request: HttpRequest, payload: LeadIn) -> Status[Any]:
    """Any signed-in user; grid workers and informants are the everyday senders. ``received_at`` is the server's."""
    user = caller(request)

    def action() -> tuple[int, Any]:
        lead = lead_submit(
            data=LeadInput(**payload.model_dump()),
            origin=LeadOrigin(
                source=f"user:{user.username}",
                raw=request.body.decode(errors="replace"),
                raw_type="api-json",
                sender=user,
            ),
            now=clock_now(),
        )
        return 201, _fresh(lead.pk, request)

    return Status(*idempotent(request, action))


@router.post(
    "/leads/cap",
    response={201: list[LeadDetailOut]},
    openapi_extra={
        "requestBody": {"content": {t: {"schema": {"type": "string"}} for t in CAP_TYPES}, "required": True}
    },
)
def import_cap(request: HttpRequest) -> Status[Any]:
    """A CAP 1.1/1.2 message as the body: one lead per ``info`` block, or 400 naming what is wrong.

    The message itself is the idempotency key (its digest): the same message sent again files nothing new and
    answers with its leads. ``Idempotency-Key`` is not wrapped around it, which would hold one transaction
    across every lead of the message (``leads.intake.cap_import`` files them one transaction each)."""
    user = caller(request)
    content_type = request.content_type or ""
    if content_type not in CAP_TYPES:
        raise ValidationFailed.one(
            "body",
            "请以 application/cap+xml 或 application/xml 提交 CAP 消息",
            "send the CAP message as application/cap+xml or application/xml",
        )
    leads = cap_import(actor=user, body=request.body, now=clock_now())
    return Status(201, [_fresh(lead.pk, request) for lead in leads])


@router.get("/leads", response=list[LeadOut])
def list_leads(
    request: HttpRequest,
    response: HttpResponse,
    paging: Query[Paging],
    state: str | None = None,
    channel: str | None = None,
    since: str | None = None,
    mine: bool = False,
) -> list[Any]:
    """Leads the caller may see, newest first. ``mine``: only those the caller's unit must verify."""
    check_choice("state", state, LeadState.values)
    check_choice("channel", channel, [c.value for c in LeadChannel])
    user = caller(request)
    qs = visible_leads(user).prefetch_related("duplicates", "watch_hits")
    if state:
        qs = qs.filter(state=state)
    if channel:
        qs = qs.filter(channel=channel)
    after = parse_since(since)
    if after is not None:
        qs = qs.filter(received_at__gte=after)
    if mine and user.unit_id is not None:
        qs = qs.filter(verifiers__unit_id=user.unit_id)
    now = clock_now()
    return paged(request, response, qs, paging, lambda lead: lead_view(lead, now))


@router.get("/leads/{lead_id}", response=LeadDetailOut)
def get_lead(request: HttpRequest, lead_id: int) -> Any:
    return _fresh(lead_id, request)


@router.post("/leads/{lead_id}/start", response=LeadDetailOut)
def start_lead(request: HttpRequest, lead_id: int) -> Any:
    """A verifier takes the lead up: ``new`` → ``verifying`` (the clock keeps running)."""
    no_body(request)
    user = caller(request)
    lead = access_lead(user, lead_id)

    def action() -> tuple[int, Any]:
        lead_start(actor=user, lead=lead, now=clock_now())
        return 200, _fresh(lead_id, request)

    return idempotent(request, action)[1]


@router.post("/leads/{lead_id}/verify", response=LeadDetailOut)
def verify_lead(request: HttpRequest, lead_id: int, payload: VerifyIn) -> Any:
    """The outcome; a confirmed lead without ``incident`` opens a new incident (category and unit default
    from the lead: its CAP category or ``social_security`` for internet/media, its area as the unit)."""
    user = caller(request)
    lead = access_lead(user, lead_id)

    def action() -> tuple[int, Any]:
        lead_verify(actor=user, lead=lead, data=VerifyInput(**payload.model_dump()), now=clock_now())
        return 200, _fresh(lead_id, request)

    return idempotent(request, action)[1]


@router.post("/lead-duplicates/{duplicate_id}/decision", response=LeadDetailOut)
def decide_duplicate(request: HttpRequest, duplicate_id: int, payload: DecisionIn) -> Any:
    """The duty officer confirms (``duplicate: true``) or rejects a proposed duplicate."""
    user = caller(request)
    proposal = access_lead_duplicate(user, duplicate_id)

    def action() -> tuple[int, Any]:
        duplicate_decide(actor=user, duplicate=proposal, confirm=payload.duplicate, now=clock_now())
        return 200, _fresh(proposal.lead_id, request)

    return idempotent(request, action)[1]


@router.get("/incidents/{incident_id}/duplicates", response=list[IncidentDuplicateOut])
def list_incident_duplicates(
    request: HttpRequest, response: HttpResponse, paging: Query[Paging], incident_id: int
) -> Any:
    """Probable duplicates offered for an incident (open incidents and leads, with their score)."""
    incident = access_incident(caller(request), incident_id)
    return paged(request, response, incident_duplicates(incident), paging, incident_duplicate_view)


@router.post("/incident-duplicates/{duplicate_id}/decision", response=IncidentDuplicateOut)
def decide_incident_duplicate(request: HttpRequest, duplicate_id: int, payload: DecisionIn) -> Any:
    """The duty officer confirms (``duplicate: true``) or rejects a duplicate offered for an incident."""
    user = caller(request)
    proposal = access_incident_duplicate(user, duplicate_id, visible_incidents(user))

    def action() -> tuple[int, Any]:
        decided = incident_duplicate_decide(actor=user, duplicate=proposal, confirm=payload.duplicate, now=clock_now())
        return 200, incident_duplicate_view(decided)

    return idempotent(request, action)[1]


@router.post("/watch-terms", response={201: WatchTermOut})
def create_watch_term(request: HttpRequest, payload: WatchTermIn) -> Status[Any]:
    user = caller(request)

    def action() -> tuple[int, Any]:
        term = watch_term_create(actor=user, data=WatchTermInput(**payload.model_dump()), now=clock_now())
        return 201, watch_term_view(term, clock_now())

    return Status(*idempotent(request, action))


@router.get("/watch-terms", response=list[WatchTermOut])
def list_watch_terms(request: HttpRequest, response: HttpResponse, paging: Query[Paging]) -> list[Any]:
    now = clock_now()
    return paged(request, response, watch_terms_readable(caller(request)), paging, lambda t: watch_term_view(t, now))


@router.delete("/watch-terms/{term_id}", response={204: None})
def delete_watch_term(request: HttpRequest, term_id: int) -> Status[None]:
    no_body(request)
    user = caller(request)
    watch_term_delete(actor=user, term=access_watch_term(user, term_id), now=clock_now())
    return Status(204, None)


def _feed_view(source: FeedSource) -> dict[str, Any]:
    return {
        "id": source.pk,
        "name": source.name,
        "url": source.url,
        "channel": source.channel,
        "interval_seconds": source.interval_seconds,
        "last_polled_at": iso_local(source.last_polled_at),
        "last_ok_at": iso_local(source.last_ok_at),
        "last_status": source.last_status,
        "last_error": source.last_error,
        "failures": source.failures,
        "items_imported": source.items_imported,
    }


@router.post("/feeds", response={201: FeedOut})
def create_feed(request: HttpRequest, payload: FeedIn) -> Status[Any]:
    user = caller(request)

    def action() -> tuple[int, Any]:
        source = feed_source_create(actor=user, now=clock_now(), **payload.model_dump())
        return 201, _feed_view(source)

    return Status(*idempotent(request, action))


@router.get("/feeds", response=list[FeedOut])
def list_feeds(request: HttpRequest, response: HttpResponse, paging: Query[Paging]) -> list[Any]:
    """Sources with their last error, so a failing one is visible (duty room and city-wide readers)."""
    watch_terms_readable(caller(request))  # same audience as the watch list
    return paged(request, response, FeedSource.objects.order_by("id"), paging, _feed_view)

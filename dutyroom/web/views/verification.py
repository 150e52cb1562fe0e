"""/verification-requests/: questions from above (核实请求) and the asked unit's answers (核报反馈).

domain.md §3: a verification request from above must be answered "迅速准确", within the rulebook's limit
(30 minutes) unless the request sets its own. The duty room asks, the asked unit answers; every screen
shows the same clock, evaluated at read time (``present.clock`` → ``obligation_view``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dutyroom.accounts.models import User
from dutyroom.common.clock import now as clock_now
from dutyroom.common.errors import Forbidden, NotFound
from dutyroom.incidents.access import access_incident, visible_incidents
from dutyroom.incidents.models import Incident
from dutyroom.incidents.naming import incident_names
from dutyroom.incidents.rulebooks import configured_rulebook
from dutyroom.obligations.chain import limits_of_room
from dutyroom.obligations.models import Obligation
from dutyroom.orgs.selectors import reporting_units, unit_subtree_ids
from dutyroom.reports.access import (
    access_verification_request,
    may_ask_verification,
    may_confirm_receipt,
    may_reply,
    visible_verification_requests,
)
from dutyroom.reports.models import Authority, Report, VerificationRequest
from dutyroom.reports.services import VerificationInput, verification_request_create
from dutyroom.reports.verification import verification_reply_submit
from dutyroom.rules import Channel, ObligationKind, ReportKind
from dutyroom.web import labels
from dutyroom.web.forms import UNIT_CHANNELS, LocalDateTimeField, report_input_from
from dutyroom.web.views.common import actor, forbidden, form_service, not_found
from dutyroom.web.views.common import render_form as render_page
from dutyroom.web.views.present import BOARD_STATES, OPEN, clock

SETTLED_SHOWN = 50  # answered / waived requests listed under the open ones, newest first
NOT_ASKED = Forbidden("只有被核实单位可以反馈", "only the unit asked may reply")
NOT_DUTY_ROOM = Forbidden("只有值班室可以发起核实请求", "only the duty room issues verification requests")


def _text(label: Any, *, rows: int = 0, **attrs: Any) -> forms.CharField:
    widget: forms.Widget = forms.Textarea(attrs={"rows": rows, **attrs}) if rows else forms.TextInput(attrs=attrs)
    return forms.CharField(label=label, required=False, widget=widget, strip=False)


class VerificationNewForm(forms.Form):
    """The duty room passes on a question from above to the unit that must answer it."""

    unit = forms.ChoiceField(label=gettext_lazy("被核实单位"), choices=())
    authority = forms.ChoiceField(label=gettext_lazy("来源"), choices=(), initial=Authority.CITY)
    question = _text(gettext_lazy("核实事项"), rows=4, required=True)
    incident = forms.ChoiceField(label=gettext_lazy("关联事件（可选）"), required=False, choices=())
    due_at = LocalDateTimeField(label=gettext_lazy("反馈时限（可选）"), required=False)

    def __init__(
        self, *args: Any, incidents: list[Incident], default_minutes: int, viewer: User | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._choices("authority").choices = labels.authority_choices()  # per request: the page's language
        local = viewer.local_duty_room if viewer is not None else None
        askable = reporting_units() if local is None else reporting_units().filter(pk__in=unit_subtree_ids(local))
        if local is not None:
            askable = askable.exclude(pk=local.pk)  # a town's duty room asks the units below it
        units = [(u.code, labels.unit_name(u)) for u in askable.order_by("id")]
        self._choices("unit").choices = [("", _("—— 请选择 ——")), *units]
        names = incident_names(viewer, incidents)
        listed = [(str(i.pk), f"#{i.pk} {names[i.pk]}（{labels.unit_name(i.unit)}）") for i in incidents]
        self._choices("incident").choices = [("", _("—— 不关联事件 ——")), *listed]
        self.fields["due_at"].help_text = _("留空按规则：发起后 %(minutes)d 分钟内反馈") % {"minutes": default_minutes}

    def _choices(self, name: str) -> forms.ChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        return field


class VerificationReplyForm(forms.Form):
    """The asked unit's answer (核报反馈): what was found, and who stands behind it."""

    summary = forms.CharField(
        label=gettext_lazy("反馈内容（核实结果）"),
        error_messages={"required": gettext_lazy("不能为空")},
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("报送渠道"), required=False, choices=(), initial=Channel.PLATFORM.value
    )
    signer = _text(gettext_lazy("签发人"), autocomplete="name")
    contact_name = _text(gettext_lazy("联系人"), autocomplete="name")
    contact_phone = _text(gettext_lazy("联系电话"), type="tel", autocomplete="tel", inputmode="tel")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        channel = self.fields["channel"]
        assert isinstance(channel, forms.ChoiceField)
        channel.choices = labels.member_choices(UNIT_CHANNELS)  # per request: the page's language


def default_minutes(user: User | None = None) -> int:
    """The reply time a request without its own limit gets: the rulebook's, or the tighter one a town set for the
    questions its duty room asks (``obligations.chain.limits_of_room``, as the service plans the clock)."""
    rulebook = configured_rulebook()[0]
    room = user.local_duty_room if user is not None else None
    limit = limits_of_room(rulebook, room, clock_now()).get(rulebook.verification_reply.id)
    return limit.minutes if limit is not None else int(rulebook.verification_reply.within.total_seconds() // 60)


def reply_clock(request: VerificationRequest, now: datetime) -> dict[str, Any] | None:
    found = [o for o in request.obligations.all() if o.kind == ObligationKind.VERIFICATION_REPLY]
    return clock(found[0], now) if found else None


def request_row(user: User, request: VerificationRequest, now: datetime, seen: set[int]) -> dict[str, Any]:
    """One request as the templates need it; the incident is named only to those who may see it."""
    c = reply_clock(request, now)
    is_open = c is not None and c["is_open"]
    return {
        "request": request,
        "clock": c,
        "is_open": is_open,
        "authority_label": labels.authority_label(request.authority),
        "incident_shown": request.incident_id in seen,
        "replies": [
            {
                "report": r,
                "needs_receipt": r.confirmed_at is None,
                "may_sign": r.confirmed_at is None and may_confirm_receipt(user, r),
                "on_incident": r.incident_id in seen,
            }
            for r in request.replies.all()
        ],
        "may_reply": is_open and may_reply(user, request),
    }


def _requests(user: User) -> list[VerificationRequest]:
    """Open ones (earliest due first), then the latest settled ones."""
    qs = (
        visible_verification_requests(user)
        .select_related("requested_by")
        .prefetch_related(
            Prefetch("obligations", queryset=Obligation.objects.select_related("unit")),
            Prefetch("replies", queryset=Report.objects.select_related("unit", "confirmed_by").order_by("received_at")),
        )
    )
    running = {"obligations__kind": ObligationKind.VERIFICATION_REPLY, "obligations__state__in": OPEN}
    open_ids = set(qs.filter(**running).values_list("id", flat=True))
    open_ones = sorted(qs.filter(id__in=open_ids), key=lambda r: (r.due_at, r.pk))
    settled = list(qs.exclude(id__in=open_ids).order_by("-created_at", "-id")[:SETTLED_SHOWN])
    return open_ones + settled


def _seen(user: User, requests: list[VerificationRequest]) -> set[int]:
    ids = {r.incident_id for r in requests if r.incident_id is not None}
    return set(visible_incidents(user).filter(pk__in=ids).values_list("id", flat=True)) if ids else set()


@login_required
def verification_list(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    now = clock_now()
    found = _requests(user)
    seen = _seen(user, found)
    rows = [request_row(user, r, now, seen) for r in found]
    context = {
        "rows": rows,
        "open_count": sum(row["is_open"] for row in rows),
        "duty_room": user.is_duty_room,
        "may_ask": may_ask_verification(user),
        "default_minutes": default_minutes(user),
    }
    return render(request, "web/verification_list.html", context)


def _incident_choices(user: User, wanted: Incident | None) -> list[Incident]:
    incidents = list(visible_incidents(user).filter(state__in=BOARD_STATES).order_by("-occurred_at")[:200])
    if wanted is not None and wanted not in incidents:
        incidents.insert(0, wanted)
    return incidents


def _wanted_incident(user: User, raw: str) -> Incident | None:
    try:
        return access_incident(user, int(raw)) if raw.strip().isdecimal() else None
    except NotFound:
        return None


def _new_context(form: VerificationNewForm, wanted: Incident | None) -> dict[str, Any]:
    return {"form": form, "incident": wanted}


@login_required
def verification_new(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    if not may_ask_verification(user):  # the city's duty room, or a town's for the units below it
        return forbidden(request, NOT_DUTY_ROOM)
    wanted = _wanted_incident(user, request.GET.get("incident", ""))
    options: dict[str, Any] = {
        "incidents": _incident_choices(user, wanted),
        "default_minutes": default_minutes(user),
        "viewer": user,
    }
    if request.method != "POST":
        initial = {"incident": str(wanted.pk), "unit": wanted.unit.code} if wanted else {}
        form = VerificationNewForm(initial=initial, **options)
        return render_page(request, "web/verification_new.html", _new_context(form, wanted))
    form = VerificationNewForm(request.POST, **options)
    if form.is_valid():
        data = form.cleaned_data
        incident = _wanted_incident(user, data.get("incident") or "")
        if data.get("incident") and incident is None:
            form.add_error("incident", _("事件不存在或无权查看"))
        else:
            asked = VerificationInput(
                unit=data["unit"],
                authority=data["authority"],
                question=data.get("question") or "",
                incident=incident,
                due_at=data.get("due_at"),
            )
            created = form_service(form, lambda: verification_request_create(actor=user, data=asked, now=clock_now()))
            if created is not None:
                messages.success(request, _("核实请求已发出，反馈时限开始计时"))
                return redirect(reverse("web:verification-list"))
    return render_page(request, "web/verification_new.html", _new_context(form, wanted))


def _reply_context(user: User, found: VerificationRequest, form: VerificationReplyForm) -> dict[str, Any]:
    now = clock_now()
    row = request_row(user, found, now, _seen(user, [found]))
    return {"form": form, "row": row, "req": found, "now": now}


@login_required
def verification_reply(request: HttpRequest, pk: int) -> HttpResponse:
    user = actor(request)
    try:
        found = access_verification_request(user, pk)
    except NotFound:
        return not_found(request)
    if not may_reply(user, found):
        return forbidden(request, NOT_ASKED)
    if request.method != "POST":
        form = VerificationReplyForm(initial={"contact_name": user.display_name, "contact_phone": user.phone})
        return render_page(request, "web/verification_reply.html", _reply_context(user, found, form))
    form = VerificationReplyForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        reply = report_input_from(
            data, kind=ReportKind.VERIFICATION_REPLY.value, channel=data.get("channel") or Channel.PLATFORM.value
        )
        report = form_service(
            form, lambda: verification_reply_submit(actor=user, request=found, data=reply, now=clock_now())
        )
        if report is not None:
            messages.success(request, _("核报反馈已提交，接收时间以服务器时间为准"))
            if report.incident_id is not None and _seen(user, [found]):
                return redirect(reverse("web:incident", args=[report.incident_id]) + f"#report-{report.pk}")
            return redirect(reverse("web:verification-list") + f"#verification-{found.pk}")
    return render_page(request, "web/verification_reply.html", _reply_context(user, found, form))

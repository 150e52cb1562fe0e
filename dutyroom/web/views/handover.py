"""Pages of the handover (交接班) and the duty log (值班日志).

Thin like every view: fetch through ``handover.access``, call a service, redirect back (POST/redirect/GET).
Both pages are the duty room's; a town's staff get the forbidden page, as on the daily reports.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dutyroom.accounts.models import User
from dutyroom.common.clock import now as clock_now
from dutyroom.common.errors import DomainError, ValidationFailed
from dutyroom.common.timefmt import LOCAL
from dutyroom.handover.access import access_handover, may_write, require_reader
from dutyroom.handover.dutylog import duty_log_day, parse_day
from dutyroom.handover.models import DutyLogKind
from dutyroom.handover.selectors import handovers_awaiting, handovers_recent, open_items
from dutyroom.handover.services import LogInput, duty_log_add, handover_acknowledge, handover_sign
from dutyroom.orgs.models import Unit
from dutyroom.orgs.selectors import reporting_units
from dutyroom.web import labels
from dutyroom.web.labels import english, obligation_kind_label, obligation_state_label
from dutyroom.web.templatetags.dutyroom_web import local_dt
from dutyroom.web.views.common import actor, forbidden, message_of

KIND_ORDER = ["clock", "receipt", "verification", "lead", "instruction"]


def _kind_titles() -> dict[str, str]:
    return {
        "clock": _("报告时限"),
        "receipt": _("待签收的书面报告"),
        "verification": _("待反馈的核实请求"),
        "lead": _("待核实的线索"),
        "instruction": _("待反馈的领导批示"),
    }


def _labelled(item: dict[str, Any]) -> dict[str, Any]:
    state = item.get("state") or ""
    state_label = obligation_state_label(state) if state in ("pending", "overdue") else state
    due = local_dt(datetime.fromisoformat(item["due_at"]), "short") if item["due_at"] else ""
    return {**item, "what_label": obligation_kind_label(item["what"]), "state_label": state_label, "due": due}


def _groups(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    titles = _kind_titles()
    return [
        {"kind": kind, "title": titles[kind], "items": [_labelled(i) for i in items if i["kind"] == kind]}
        for kind in KIND_ORDER
    ]


def _say_error(request: HttpRequest, error: DomainError) -> None:
    if isinstance(error, ValidationFailed):
        for zh, en in error.errors.values():
            messages.error(request, en if english() else zh)
    else:
        messages.error(request, message_of(error))


def _handover_post(request: HttpRequest, user: User) -> None:
    now = clock_now()
    if request.POST.get("action") == "acknowledge":
        handover = access_handover(user, int(request.POST.get("handover", "0") or 0))
        handover_acknowledge(actor=user, handover=handover, note=request.POST.get("ack_note", ""), now=now)
        messages.success(request, _("已确认接班"))
    else:
        handover_sign(
            actor=user, note=request.POST.get("note", ""), incoming=request.POST.get("incoming") or None, now=now
        )
        messages.success(request, _("已签字交班，等待接班人确认"))


@require_http_methods(["GET", "POST"])
@login_required
def handover_page(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    try:
        require_reader(user)
    except DomainError as error:
        return forbidden(request, error)
    if request.method == "POST":
        try:
            _handover_post(request, user)
        except DomainError as error:
            _say_error(request, error)
        except ValueError:
            messages.error(request, _("交接班记录不存在"))
        return redirect("web:handover")
    items = open_items(clock_now(), viewer=user, room=user.local_duty_room)
    if english():  # the handover list names units in Chinese; English pages use their English names
        named = {u.name: labels.unit_name(u) for u in Unit.objects.all()}
        for item in items:
            item["unit_name"] = "、".join(named.get(n, n) for n in str(item.get("unit_name", "")).split("、"))
    staff = User.objects.filter(is_active=True, role__in=("duty_officer", "duty_leader")).exclude(pk=user.pk)
    return render(
        request,
        "web/handover.html",
        {
            "groups": _groups(items),
            "total": len(items),
            "overdue": sum(1 for i in items if i["state"] == "overdue"),
            "recent": list(handovers_recent(20, user.local_duty_room)),
            "can_write": may_write(user),
            "awaiting": list(handovers_awaiting(user)) if may_write(user) else [],
            "staff": staff.order_by("username"),
        },
    )


def _local(value: str) -> datetime | None:
    """A ``datetime-local`` box is Beijing time without an offset; unreadable input is left to the service."""
    try:
        return datetime.fromisoformat(value).replace(tzinfo=LOCAL) if value else None
    except ValueError:
        return None


def _log_post(request: HttpRequest, user: User) -> None:
    raw_at, raw_incident = request.POST.get("at", ""), request.POST.get("incident", "").strip()
    when = _local(raw_at)
    if raw_at and when is None:
        raise ValidationFailed.one("at", "时间格式无效", "invalid time")
    if raw_incident and not raw_incident.isdigit():
        raise ValidationFailed.one("incident", "事件编号必须是数字", "incident must be a number")
    data = LogInput(
        kind=request.POST.get("kind", ""),
        text=request.POST.get("text", ""),
        at=when,
        incident=int(raw_incident) if raw_incident else None,
        unit=request.POST.get("unit", "").strip() or None,
    )
    duty_log_add(actor=user, data=data, now=clock_now())
    messages.success(request, _("已记入值班日志"))


@require_http_methods(["GET", "POST"])
@login_required
def duty_log_page(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    try:
        require_reader(user)
    except DomainError as error:
        return forbidden(request, error)
    now = clock_now()
    try:
        day = parse_day(request.GET.get("date"), now)
    except ValidationFailed:
        day = now.astimezone(LOCAL).date()
    typed: dict[str, str] = {}
    if request.method == "POST":
        try:
            _log_post(request, user)
        except DomainError as error:
            # a refused entry is shown again as typed, with the reason: nothing a duty officer wrote is lost
            _say_error(request, error)
            typed = {k: request.POST.get(k, "") for k in ("at", "kind", "incident", "unit", "text")}
        else:
            return redirect(f"{request.path}?date={day.isoformat()}")
    rows = duty_log_day(day, user)
    people = labels.people_labels([str(row["by"]) for row in rows if row.get("by")])
    for row in rows:
        if row.get("by"):
            row["by"] = people[str(row["by"])]
        if english():
            row["label"] = row["label_en"]
    return render(
        request,
        "web/duty_log.html",
        {
            "day": day,
            "prev_day": day - timedelta(days=1),
            "next_day": day + timedelta(days=1),
            "today": now.astimezone(LOCAL).date(),
            "rows": rows,
            "can_write": may_write(user),
            "kinds": [(k.value, _(k.label)) for k in DutyLogKind],
            "now_local": now.astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M"),
            "typed": typed,
            "units": [(u.code, labels.unit_name(u)) for u in reporting_units().order_by("id")],
        },
        status=400 if typed else 200,
    )

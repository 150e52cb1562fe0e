"""The incident page: header, clocks with countdowns, reports in time order, and what the role may do."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from dutyroom.accounts.models import User
from dutyroom.common.clock import now as clock_now
from dutyroom.common.errors import NotFound
from dutyroom.common.timefmt import LOCAL
from dutyroom.incidents.access import access_incident, may_mark_handled, may_report
from dutyroom.incidents.models import Incident, IncidentState
from dutyroom.incidents.rulebooks import rulebook_of
from dutyroom.incidents.services import incident_record_read
from dutyroom.instructions.selectors import incident_instructions
from dutyroom.interop.selectors import incident_forwarding_view
from dutyroom.obligations.models import Obligation
from dutyroom.orgs.models import CITY_DUTY_ROOM
from dutyroom.orgs.selectors import city_tasked_units, reports_to_codes
from dutyroom.reports.access import may_ask_verification, may_sign_receipt
from dutyroom.reports.models import Report
from dutyroom.rules import Channel, ObligationKind, ReportKind
from dutyroom.web import labels
from dutyroom.web.forms import CASUALTY_FIELDS, CASUALTY_LABELS, IncidentEditForm, WaiveForm
from dutyroom.web.history import history_rows
from dutyroom.web.views.common import actor, not_found
from dutyroom.web.views.incident_leads import incident_lead_context
from dutyroom.web.views.present import clock_scope, incident_card


def upward_rows(incident: Incident) -> dict[str, Any]:
    """Receipts from the level above, for the duty room ("received by Suzhou at 14:32")."""
    view = incident_forwarding_view(incident)
    for row in view["reports"]:
        row["kind_label"] = labels.report_kind_label(row["kind"])
        row["received_at_local"] = row["received_at"][5:16].replace("T", " ")
    return view


def report_row(report: Report) -> dict[str, Any]:
    kind = ReportKind(report.kind)
    # A figure the report did not state is NULL (unknown) and gets no line; a reported 0 is shown as 0,
    # unless the report stated every figure as 0, which reads as one "no casualties" line.
    stated = [
        (CASUALTY_LABELS[name], getattr(report, name)) for name in CASUALTY_FIELDS if getattr(report, name) is not None
    ]
    none_at_all = len(stated) == len(CASUALTY_FIELDS) and not any(value for _label, value in stated)
    figures = [] if none_at_all else stated
    return {
        "report": report,
        "title": labels.report_title(kind, report.number),  # 续报一 / Follow-up 1
        "channel_label": labels.label(Channel(report.channel)),
        "figures": figures,
        "no_casualties": none_at_all,
        "needs_receipt": kind != ReportKind.PHONE and report.confirmed_at is None,
        "is_phone": kind == ReportKind.PHONE,
    }


def grade_basis(incident: Incident) -> str:
    """Why the grade is suggested: the rules core writes it in Chinese; English when it also gave English."""
    basis = incident.grade_basis or {}
    if labels.english() and basis.get("basis_en"):
        return capfirst(str(basis["basis_en"])) or ""
    if labels.english():
        return _english_basis(basis)
    return str(basis.get("basis", ""))


def _english_basis(basis: dict[str, Any]) -> str:
    """The suggestion's reason in English, from the figures the rules core stored beside its Chinese text."""
    grade = basis.get("grade")
    if not grade:
        return "No grading table applies to this kind of incident; the duty room decides the grade."
    if basis.get("criterion") and basis.get("threshold") is not None:
        return (
            f"{str(basis['criterion']).replace('_', ' ').capitalize()}: {basis.get('value') or 0:,} reaches "
            f"the threshold of {labels.grade_label(str(grade))} (at least {basis['threshold']:,})."
        )
    return f"No reported figure reaches the Grade III thresholds; {labels.grade_label(str(grade))} is suggested."


def instruction_due_default() -> str:
    """A leader's instruction asks for feedback the same day: the form proposes four hours from now."""
    return (clock_now() + timedelta(hours=4)).astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M")


def rulebook_label(incident: Incident) -> str:
    """The rules an incident is judged by, named as people name them: the rulebook's title and its version."""
    book = rulebook_of(incident.rulebook)
    if labels.english():
        return _("报告规则第 %(v)d 版") % {"v": book.version}
    return f"{book.title}（第 {book.version} 版）"


def waive_prefix(obligation_id: int) -> str:
    """One prefix per clock, so every waive form on the page has its own field ids."""
    return f"waive-{obligation_id}"


def edit_initial(incident: Incident) -> dict[str, Any]:
    return {
        "grade": incident.grade or "",
        "sensitive": incident.sensitive,
        "may_escalate": incident.may_escalate,
        "hotspot": incident.hotspot,
        "occurred_at": incident.occurred_at,
    }


def _with_signing(user: User, row: dict[str, Any], obligations: list[Obligation]) -> dict[str, Any]:
    """Whether the viewer signs this report: the duty room its receipt clock is owed to (read from the clocks
    the page already loaded)."""
    report = row["report"]
    receipt = next(
        (o for o in obligations if o.report_id == report.pk and o.kind == ObligationKind.RECEIPT),
        None,
    )
    row["may_sign"] = row["needs_receipt"] and receipt is not None and may_sign_receipt(user, receipt)
    return row


def _reports_by_level(user: User, rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The city's duty room reads an incident as the reports sent to it (the responsible town's, or a unit's
    with no duty room between), with the originals its units sent to a town's duty room under them
    (``reports_below``). Everyone else reads every report in time order, as before."""
    if not user.is_duty_room or not rows:
        return {"reports": rows, "reports_below": []}
    reports_to = reports_to_codes(list({row["report"].unit_id: row["report"].unit for row in rows}.values()))
    mine = [row for row in rows if reports_to[row["report"].unit_id] == CITY_DUTY_ROOM]
    return {"reports": mine, "reports_below": [row for row in rows if row not in mine]}


def incident_context(request: HttpRequest, incident: Incident, **extra: Any) -> dict[str, Any]:
    user = actor(request)
    now = clock_now()
    obligations = list(incident.obligations.select_related("unit", "waived_by"))
    reports = list(
        incident.reports.select_related("unit", "confirmed_by", "submitted_by").order_by("received_at", "id")
    )
    card = incident_card(incident, obligations, now, clock_scope(user))
    waive_target = extra.pop("waive_target", None)
    bound_waive = extra.pop("waive_form", None)
    for clock in card["open_clocks"]:
        pk = clock["obligation"].pk
        clock["waive_form"] = bound_waive if pk == waive_target and bound_waive else WaiveForm(prefix=waive_prefix(pk))
    context: dict[str, Any] = {
        "card": card,
        "incident": incident,
        **_reports_by_level(user, [_with_signing(user, report_row(r), obligations) for r in reports]),
        "now": now,
        "duty_room": user.is_duty_room,
        "may_ask": may_ask_verification(user),
        "can_report": may_report(user) and incident.state != IncidentState.CLOSED,
        "can_mark_handled": may_mark_handled(user, incident),
        # whether the viewer's own unit has reported in writing (a town's first report on its village's incident
        # is its own written report); the city's duty room files for anyone
        "has_written": any(
            r.kind == ReportKind.WRITTEN and (user.is_duty_room or r.unit_id == user.unit_id) for r in reports
        ),
        "edit_form": IncidentEditForm(initial=edit_initial(incident), prefix="edit"),
        "waive_target": waive_target,
        "grade_basis": grade_basis(incident),
        "rulebook_label": rulebook_label(incident),
        "history": history_rows(incident.pk),
        "has_special_report": incident.special_reports.exists(),
        "instructions": incident_instructions(incident),
        "instruction_units": city_tasked_units(incident.unit_id) if user.is_duty_room else [],
        "instruction_due": instruction_due_default(),
        "upward": upward_rows(incident) if user.is_duty_room else None,
        **incident_lead_context(incident, user),
    }
    context.update(extra)
    return context


def render_incident(request: HttpRequest, incident: Incident, **extra: Any) -> HttpResponse:
    return render(request, "web/incident.html", incident_context(request, incident, **extra))


@require_GET
@login_required
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        incident = access_incident(actor(request), pk)
    except NotFound:
        return not_found(request)
    incident_record_read(actor=actor(request), incident=incident, now=clock_now())
    return render_incident(request, incident)

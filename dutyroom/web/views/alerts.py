"""Alert pages: the inbox (通知), chasing a clock (催报), the roster (值班表) and failed deliveries.

Thin like every view: fetch through ``access_*``, call a service, redirect back (POST/redirect/GET).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dutyroom.accounts.models import Role, User
from dutyroom.alerts.access import access_delivery, access_notification, visible_chases, visible_deliveries
from dutyroom.alerts.services import chase_create, delivery_retry, notification_mark_read, notifications_mark_all_read
from dutyroom.alerts.texts import inbox_text
from dutyroom.common.clock import now as clock_now
from dutyroom.common.errors import Conflict, DomainError, ValidationFailed
from dutyroom.common.timefmt import LOCAL
from dutyroom.duty.importing import roster_file_read
from dutyroom.duty.selectors import roster_now, shifts_between
from dutyroom.duty.services import may_edit_roster, roster_room, shifts_save, week_shifts
from dutyroom.orgs.models import UnitKind
from dutyroom.reports.access import access_obligation
from dutyroom.rules import ObligationKind
from dutyroom.web import labels
from dutyroom.web.views.common import actor, message_of


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or fallback
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = fallback
    return redirect(target)


@require_GET
@login_required
def notifications_page(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    rows = list(
        user.notifications.select_related("event", "event__incident", "event__obligation", "event__unit").order_by(
            "-id"
        )[:200]
    )
    for row in rows:  # shown, never saved: a person who may read the incident is told what happened
        row.event.text = inbox_text(row.event, user)
    chases = list(visible_chases(user).filter(obligation__state__in=("pending", "overdue"))[:50])
    return render(request, "web/notifications.html", {"rows": rows, "chases": chases})


@require_POST
@login_required
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    user = actor(request)
    try:
        notification = access_notification(user, pk)
        notification_mark_read(actor=user, notification=notification, now=clock_now())
    except DomainError as error:
        messages.error(request, message_of(error))
        return redirect("web:notifications")
    incident_id = notification.event.incident_id
    if request.POST.get("open") and incident_id:
        return redirect("web:incident", pk=incident_id)
    return redirect("web:notifications")


@require_POST
@login_required
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    notifications_mark_all_read(actor=actor(request), now=clock_now())
    return redirect("web:notifications")


@require_POST
@login_required
def obligation_chase(request: HttpRequest, pk: int) -> HttpResponse:
    user = actor(request)
    try:
        obligation = access_obligation(user, pk)
        if obligation.kind == ObligationKind.RECEIPT:  # the duty room's own clock: nobody to chase
            raise Conflict("签收是值班室自己的时限，不能催报", "a receipt is the duty room's own clock")
        chase_create(actor=user, obligation=obligation, now=clock_now(), note=request.POST.get("note", ""))
        messages.success(request, _("已催报 %(unit)s") % {"unit": labels.unit_name(obligation.unit)})
    except DomainError as error:
        messages.error(request, message_of(error))
    return _back(request, "/")


def _week_start(value: str | None, today: date) -> date:
    try:
        chosen = date.fromisoformat(value) if value else today
    except ValueError:
        chosen = today
    return chosen - timedelta(days=chosen.weekday())


def _roster_post(request: HttpRequest, user: User, week: date) -> None:
    now = clock_now()
    if "file" in request.FILES:
        upload = request.FILES.get("file")
        assert upload is not None
        shifts = roster_file_read(upload.name or "roster.csv", upload.read())
    else:
        rows = [
            (
                request.POST.get(f"officer-{i}", ""),
                request.POST.get(f"leader-{i}", ""),
                request.POST.get(f"city-{i}", ""),
            )
            for i in range(7)
        ]
        shifts = week_shifts(week, rows)
    saved = shifts_save(actor=user, shifts=shifts, now=now)
    messages.success(request, _("已保存 %(n)d 个班次") % {"n": len(saved)})


@require_http_methods(["GET", "POST"])
@login_required
def roster_page(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    now = clock_now()
    week = _week_start(request.GET.get("week") or request.POST.get("week"), now.astimezone(LOCAL).date())
    if request.method == "POST":
        try:
            _roster_post(request, user, week)
            return redirect(f"{request.path}?week={week.isoformat()}")
        except ValidationFailed as error:
            for field, (zh, en) in error.errors.items():
                messages.error(request, f"{field}: {en if request.LANGUAGE_CODE == 'en' else zh}")
        except DomainError as error:
            messages.error(request, message_of(error))
    room = roster_room(user)  # a town's duty officer keeps the town's own roster
    start = datetime.combine(week, datetime.min.time(), tzinfo=LOCAL)
    shifts = list(shifts_between(start, start + timedelta(days=8), room))
    days = []
    for i in range(7):
        day = week + timedelta(days=i)
        shift = next((s for s in shifts if s.starts_at.astimezone(LOCAL).date() == day), None)
        days.append({"index": i, "day": day, "shift": shift})
    # the people of this duty room only: a town's officers cannot be rostered as the city's, nor the reverse
    staff = (
        Q(unit=room)
        if room is not None
        else (Q(unit__isnull=True) | Q(unit__duty_room=False) | Q(unit__kind=UnitKind.DUTY_ROOM))
    )
    people = {
        "officers": User.objects.filter(staff, role=Role.DUTY_OFFICER, is_active=True).order_by("username"),
        "leaders": User.objects.filter(staff, role=Role.DUTY_LEADER, is_active=True).order_by("username"),
        # a city leader on duty is chosen by name: the leaders and read-only accounts leaders are given, and
        # whoever a shift already names
        "city_leaders": User.objects.filter(
            Q(role__in=(Role.DUTY_LEADER, Role.VIEWER)) | Q(pk__in=[s.city_leader_id for s in shifts]), is_active=True
        ).order_by("username"),
    }
    return render(
        request,
        "web/roster.html",
        {
            "week": week,
            "prev_week": week - timedelta(days=7),
            "next_week": week + timedelta(days=7),
            "days": days,
            "current": roster_now(now, room),
            "can_edit": may_edit_roster(user),
            "room": room,
            **people,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def deliveries_page(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    if request.method == "POST":
        try:
            delivery_retry(
                actor=user, delivery=access_delivery(user, int(request.POST.get("delivery", 0))), now=clock_now()
            )
            messages.success(request, _("已重新排队发送"))
        except (DomainError, ValueError) as error:
            messages.error(request, message_of(error) if isinstance(error, DomainError) else str(error))
        return redirect("web:deliveries")
    failed = visible_deliveries(user).filter(state="failed").prefetch_related("attempt_rows").order_by("-id")[:200]
    return render(
        request, "web/deliveries.html", {"rows": list(failed), "allowed": user.is_duty_room or user.role == Role.ADMIN}
    )

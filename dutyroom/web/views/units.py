"""Units below the towns (分级管理): list, add one, rename one, import a town's villages from CSV/XLSX.

Thin like every view: the unit tree's own access decides who may manage which units, the services write.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dutyroom.common.clock import now as clock_now
from dutyroom.common.errors import DomainError
from dutyroom.orgs.access import may_manage_units_below, visible_units
from dutyroom.orgs.importing import units_file_read
from dutyroom.orgs.models import LOCAL_KINDS, UnitKind
from dutyroom.orgs.selectors import reports_to_codes
from dutyroom.orgs.services import UnitInput, unit_create, unit_set_duty_room, unit_update, units_import
from dutyroom.web.views.common import actor, message_of

LIMIT = 2000


def _context(request: HttpRequest) -> dict[str, Any]:
    user = actor(request)
    units = list(visible_units(user).select_related("parent").order_by("id")[:LIMIT])
    names = {u.code: u.name for u in units} | {"duty-room": _("市政府值班室")}
    reports_to = reports_to_codes(units)
    rows = [
        {
            "unit": u,
            "kind_label": UnitKind(u.kind).label,
            "parent_name": u.parent.name if u.parent else "",
            "reports_to": names.get(reports_to[u.pk], ""),
            "editable": u.kind in LOCAL_KINDS and u.parent is not None and may_manage_units_below(user, u.parent),
        }
        for u in units
        if u.kind in LOCAL_KINDS or u.duty_room
    ]
    parents = [
        u
        for u in units
        if u.kind not in LOCAL_KINDS - {UnitKind.GRID}
        and may_manage_units_below(user, u)
        and u.kind != UnitKind.DUTY_ROOM
    ]
    kinds = [(kind, UnitKind(kind).label) for kind in sorted(LOCAL_KINDS)]
    return {"rows": rows, "parents": parents, "kinds": kinds, "may_add": bool(parents)}


@require_http_methods(["GET", "POST"])
@login_required
def units_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        user, now = actor(request), clock_now()
        try:
            if "file" in request.FILES:
                upload = request.FILES.get("file")
                assert upload is not None
                inputs = units_file_read(upload.name or "units.csv", upload.read(), request.POST.get("parent", ""))
                added = units_import(actor=user, units=inputs, now=now)
                messages.success(request, _("已导入 %(n)d 个单位") % {"n": len(added)})
            else:
                created = unit_create(
                    actor=user,
                    now=now,
                    data=UnitInput(
                        code=request.POST.get("code", "").strip(),
                        name=request.POST.get("name", ""),
                        kind=request.POST.get("kind", ""),
                        parent=request.POST.get("parent", ""),
                        name_en=request.POST.get("name_en", ""),
                    ),
                )
                messages.success(request, _("已添加 %(name)s") % {"name": created.name})
        except DomainError as error:
            messages.error(request, message_of(error))
        return redirect("web:units")
    return render(request, "web/units.html", _context(request))


@require_http_methods(["GET", "POST"])
@login_required
def unit_edit(request: HttpRequest, code: str) -> HttpResponse:
    """Rename a unit below the towns (whoever manages it); the admin also sets whether a unit runs a duty room."""
    user = actor(request)
    unit = visible_units(user).filter(code=code[:64]).select_related("parent").first()
    admin = user.role == "admin"
    local = unit is not None and unit.parent is not None and unit.kind in LOCAL_KINDS
    if unit is None or unit.kind == UnitKind.DUTY_ROOM or not (local or admin):
        raise Http404
    may_rename = local and unit.parent is not None and may_manage_units_below(user, unit.parent)
    if request.method == "POST":
        try:
            now = clock_now()
            if may_rename:
                unit_update(
                    actor=user,
                    unit=unit,
                    name=request.POST.get("name", ""),
                    name_en=request.POST.get("name_en", ""),
                    now=now,
                )
            if admin and bool(request.POST.get("duty_room")) != unit.duty_room:
                unit_set_duty_room(actor=user, unit=unit, on=bool(request.POST.get("duty_room")), now=now)
            messages.success(request, _("已保存"))
            return redirect("web:units")
        except DomainError as error:
            messages.error(request, message_of(error))
    return render(
        request,
        "web/unit_edit.html",
        {"unit": unit, "kind_label": UnitKind(unit.kind).label, "may_edit": may_rename, "admin": admin},
    )

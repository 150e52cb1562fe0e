"""Units below the city and their own rules (分级管理): list and add units, read and tighten a unit's rules."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router
from ninja.responses import Status

from dutyroom.api.idempotency import idempotent
from dutyroom.api.outputs import UnitOut, UnitRulesOut
from dutyroom.api.paging import Paging, paged
from dutyroom.api.routes.common import Body, caller, check_choice
from dutyroom.api.schemas import Strict
from dutyroom.common.clock import now as clock_now
from dutyroom.common.errors import NotFound, ValidationFailed
from dutyroom.common.validation import Errors, check_text
from dutyroom.incidents.rulebooks import current_snapshot, rulebook_of
from dutyroom.orgs.access import visible_units
from dutyroom.orgs.models import Unit, UnitKind
from dutyroom.orgs.selectors import overlays_below, reports_to_codes
from dutyroom.orgs.services import UnitInput, unit_create, unit_rules_set
from dutyroom.rules.overlay import in_force

router = Router(tags=["units"])


class UnitIn(Strict):
    code: str
    name: str
    kind: str
    parent: str
    name_en: str = ""


class RulesIn(Strict):
    within_minutes: dict[str, Any]


def unit_view(unit: Unit, reports_to: str) -> Body:
    return {
        "code": unit.code,
        "name": unit.name,
        "name_en": unit.name_en,
        "kind": unit.kind,
        "parent": unit.parent.code if unit.parent is not None else None,
        "duty_room": unit.duty_room or unit.kind == UnitKind.DUTY_ROOM,
        "reports_to": reports_to,
    }


def _visible_unit(request: HttpRequest, code: str) -> Unit:
    errors = Errors()
    check_text(errors, "code", code)
    errors.raise_if_any()
    unit = visible_units(caller(request)).filter(code=code).select_related("parent").first()
    if unit is None:
        raise NotFound("单位")
    return unit


@router.get("/units", response=list[UnitOut])
def list_units(
    request: HttpRequest,
    response: HttpResponse,
    paging: Query[Paging],
    parent: str | None = None,
    kind: str | None = None,
) -> list[Any]:
    """The units the caller may see, in tree order of creation."""
    check_choice("kind", kind, [k.value for k in UnitKind])
    qs = visible_units(caller(request)).select_related("parent")
    if parent:
        errors = Errors()
        check_text(errors, "parent", parent)
        errors.raise_if_any()
        qs = qs.filter(parent__code=parent)
    if kind:
        qs = qs.filter(kind=kind)
    units = paged(request, response, qs.order_by("id"), paging)
    reports_to = reports_to_codes(units)
    return [unit_view(unit, reports_to[unit.pk]) for unit in units]


@router.post("/units", response={201: UnitOut})
def create_unit(request: HttpRequest, payload: UnitIn) -> Status[Any]:
    user = caller(request)

    def action() -> tuple[int, Any]:
        unit = unit_create(
            actor=user,
            data=UnitInput(
                code=payload.code, name=payload.name, kind=payload.kind, parent=payload.parent, name_en=payload.name_en
            ),
            now=clock_now(),
        )
        unit = Unit.objects.select_related("parent").get(pk=unit.pk)
        return 201, unit_view(unit, reports_to_codes([unit])[unit.pk])

    return Status(*idempotent(request, action))


def rules_view(unit: Unit) -> Body:
    rulebook = rulebook_of(current_snapshot())
    limits = in_force(rulebook, overlays_below(unit, clock_now()))
    return {
        "unit": unit.code,
        "rulebook": rulebook.ref,
        "within_minutes": {
            clock_id: {"value": limit.minutes, "set_by": limit.set_by} for clock_id, limit in limits.items()
        },
    }


@router.get("/units/{unit}/rules", response=UnitRulesOut)
def get_unit_rules(request: HttpRequest, unit: str) -> Any:
    """The rules in force for the units below ``unit``, each limit with the unit (or rulebook) that set it."""
    return rules_view(_visible_unit(request, unit))


@router.put("/units/{unit}/rules", response=UnitRulesOut)
def put_unit_rules(request: HttpRequest, unit: str, payload: RulesIn) -> Any:
    """Tighten the clocks of the units below ``unit`` from now on; running clocks keep their rules."""
    user = caller(request)
    target = _visible_unit(request, unit)
    if not payload.within_minutes:
        raise ValidationFailed.one("within_minutes", "至少指定一个时限", "name at least one clock")

    def action() -> tuple[int, Any]:
        unit_rules_set(
            actor=user,
            unit=target,
            within_minutes=dict(payload.within_minutes),
            rulebook=rulebook_of(current_snapshot()),
            now=clock_now(),
        )
        return 200, rules_view(target)

    return idempotent(request, action)[1]

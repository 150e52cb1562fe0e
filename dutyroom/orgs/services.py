"""Writes to the unit tree: add a unit below another, set a unit's rules for the units below it.

Each write is one transaction with its audit entry. The rules a unit sets are checked against the rulebook and
every level above (``rules.overlay``): a value looser than the one in force above is refused, naming the key and
the limit, and a new setting is a new version, so clocks already running keep the rules they started under.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Max

from dutyroom.audit.services import audit_record
from dutyroom.common.errors import Forbidden, ValidationFailed
from dutyroom.common.validation import Errors, check_choice, check_text
from dutyroom.orgs.access import ADMIN, Actor, require_may_manage_units_below, require_may_set_rules
from dutyroom.orgs.models import LOCAL_KINDS, Unit, UnitKind, UnitRules
from dutyroom.orgs.selectors import overlays_over, unit_for_code
from dutyroom.rules import Rulebook
from dutyroom.rules.overlay import refusals

CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


@dataclass
class UnitInput:
    code: str
    name: str
    kind: str
    parent: str
    name_en: str = ""
    categories: list[str] | None = None


def _check(data: UnitInput, errors: Errors) -> Unit | None:
    check_text(errors, "code", data.code, required=True, max_length=64)
    if "code" not in errors.items and not CODE.match(data.code):
        errors.add("code", "单位代码只能用小写字母、数字和连字符", "lower-case letters, digits and hyphens only")
    elif "code" not in errors.items and Unit.objects.filter(code=data.code).exists():
        errors.add("code", "单位代码已存在", "this unit code is taken")
    check_text(errors, "name", data.name, required=True, max_length=100)
    check_text(errors, "name_en", data.name_en, max_length=100)
    check_choice(
        errors,
        "kind",
        data.kind,
        sorted(LOCAL_KINDS),
        "单位类型必须是村、社区、网格、企业或站所",
        "kind must be village, community, grid, enterprise or station",
    )
    check_text(errors, "parent", data.parent, required=True, max_length=64)
    return unit_for_code(data.parent, errors, "parent") if "parent" not in errors.items else None


def unit_create(*, actor: Actor, data: UnitInput, now: datetime) -> Unit:
    """Add a village, community, grid, enterprise or station below ``parent``; it inherits the parent's remit."""
    errors = Errors()
    parent = _check(data, errors)
    errors.raise_if_any()
    assert parent is not None
    require_may_manage_units_below(actor, parent)
    with transaction.atomic():
        unit = Unit.objects.create(
            code=data.code,
            name=data.name.strip(),
            name_en=data.name_en.strip(),
            kind=data.kind,
            parent=parent,
            categories=list(data.categories if data.categories is not None else parent.categories),
        )
        audit_record(
            actor=_audit_actor(actor),
            action="unit.create",
            object_type="unit",
            object_id=unit.pk,
            at=now,
            unit_code=unit.code,
            data={"name": unit.name, "kind": unit.kind, "parent": parent.code},
        )
    return unit


def unit_update(*, actor: Actor, unit: Unit, name: str, name_en: str, now: datetime) -> Unit:
    """Rename a unit below the city (its code, kind and place in the tree stay: clocks and history name it)."""
    if unit.parent is None or unit.kind not in LOCAL_KINDS:
        raise Forbidden("这里只能修改镇（区）以下的单位", "only units below the towns are edited here")
    require_may_manage_units_below(actor, unit.parent)
    errors = Errors()
    check_text(errors, "name", name, required=True, max_length=100)
    check_text(errors, "name_en", name_en, max_length=100)
    errors.raise_if_any()
    with transaction.atomic():
        before = {"name": unit.name, "name_en": unit.name_en}
        unit.name, unit.name_en = name.strip(), name_en.strip()
        unit.save(update_fields=["name", "name_en"])
        audit_record(
            actor=_audit_actor(actor),
            action="unit.update",
            object_type="unit",
            object_id=unit.pk,
            at=now,
            unit_code=unit.code,
            data={"from": before, "to": {"name": unit.name, "name_en": unit.name_en}},
        )
    return unit


def unit_set_duty_room(*, actor: Actor, unit: Unit, on: bool, now: datetime) -> Unit:
    """The admin records that a unit runs (or no longer runs) a duty room for the units below it. Clocks already
    running keep the duty room they are owed to; incidents opened from now on follow the new chain."""
    if actor.role != ADMIN:
        raise Forbidden(
            "只有管理员可以设立或撤销下级值班室", "only the admin sets up or closes a duty room below the city"
        )
    if unit.kind == UnitKind.DUTY_ROOM:
        raise Forbidden("市政府值班室始终设有值班室", "the city duty room is always one")
    with transaction.atomic():
        unit.duty_room = on
        unit.save(update_fields=["duty_room"])
        audit_record(
            actor=_audit_actor(actor),
            action="unit.duty_room",
            object_type="unit",
            object_id=unit.pk,
            at=now,
            unit_code=unit.code,
            data={"duty_room": on},
        )
    return unit


def units_import(*, actor: Actor, units: list[UnitInput], now: datetime) -> list[Unit]:
    """Add every unit of a file, or none: the first bad row is named (``row N.<field>``) and nothing is kept."""
    created: list[Unit] = []
    seen: set[str] = set()
    with transaction.atomic():
        for number, data in enumerate(units, start=2):  # row 1 is the header
            if data.code in seen:
                raise ValidationFailed.one(f"row {number}.code", "文件中单位代码重复", "the code repeats in the file")
            seen.add(data.code)
            try:
                created.append(unit_create(actor=actor, data=data, now=now))
            except ValidationFailed as error:
                raise ValidationFailed(
                    {f"row {number}.{field}": text for field, text in error.errors.items()}
                ) from error
    return created


def unit_rules_set(
    *, actor: Actor, unit: Unit, within_minutes: dict[str, object], rulebook: Rulebook, now: datetime
) -> UnitRules:
    """A new version of ``unit``'s rules for the units below it. Values must be tighter than (or equal to) what
    is in force above ``unit``; a key left out keeps the level above's value."""
    require_may_set_rules(actor, unit)
    errors = Errors()
    for refusal in refusals(rulebook, overlays_over(unit, now), within_minutes):
        if refusal.limit is None:
            errors.add(refusal.key, "规则中没有这个时限", f"{refusal.reason}")
        else:
            errors.add(
                refusal.key,
                f"不得宽于上级规定的 {refusal.limit} 分钟",
                f"{refusal.reason}: the limit is {refusal.limit} minutes",
            )
    errors.raise_if_any()
    with transaction.atomic():
        locked = Unit.objects.select_for_update().get(pk=unit.pk)  # one version number per unit at a time
        latest = UnitRules.objects.filter(unit=locked).aggregate(v=Max("version"))["v"] or 0
        row = UnitRules.objects.create(
            unit=locked,
            version=latest + 1,
            within_minutes=dict(within_minutes),
            set_at=now,
            set_by=getattr(actor, "username", ""),
        )
        audit_record(
            actor=_audit_actor(actor),
            action="unit.rules",
            object_type="unit",
            object_id=unit.pk,
            at=now,
            unit_code=unit.code,
            data={"version": row.version, "within_minutes": row.within_minutes},
        )
    return row


def _audit_actor(actor: Actor) -> AbstractBaseUser | None:
    return actor if isinstance(actor, AbstractBaseUser) else None

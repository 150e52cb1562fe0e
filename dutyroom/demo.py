"""The demo city (`dutyroom init --demo`): Taicang's units, one user per role, and a live board.

Sample incidents are placed relative to *now* so that on first start some clocks are met, some late,
one overdue and one about to run out while the duty officer watches.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction

from dutyroom.accounts.models import Role, User
from dutyroom.accounts.services import user_add
from dutyroom.incidents.models import Incident
from dutyroom.incidents.rulebooks import current_snapshot, rulebook_of
from dutyroom.incidents.services import IncidentChanges, IncidentInput, incident_create, incident_update
from dutyroom.orgs.models import Unit, UnitKind, UnitRules
from dutyroom.orgs.services import unit_rules_set
from dutyroom.reports.services import (
    ReportInput,
    VerificationInput,
    report_submit,
    verification_request_create,
)

ALL = ["natural", "accident", "public_health", "social_security"]
UNITS: list[tuple[str, str, str, str, list[str]]] = [
    ("duty-room", "太仓市人民政府值班室", "City Government Duty Room", UnitKind.DUTY_ROOM, ALL),
    ("chengxiang", "城厢镇人民政府", "Chengxiang Town", UnitKind.TOWN, ALL),
    ("shaxi", "沙溪镇人民政府", "Shaxi Town", UnitKind.TOWN, ALL),
    ("liuhe", "浏河镇人民政府", "Liuhe Town", UnitKind.TOWN, ALL),
    ("fuqiao", "浮桥镇人民政府", "Fuqiao Town", UnitKind.TOWN, ALL),
    ("huangjing", "璜泾镇人民政府", "Huangjing Town", UnitKind.TOWN, ALL),
    ("shuangfeng", "双凤镇人民政府", "Shuangfeng Town", UnitKind.TOWN, ALL),
    ("port-zone", "太仓港经济技术开发区管委会", "Taicang Port Economic Development Zone", UnitKind.ZONE, ALL),
    ("hitech-zone", "太仓高新区管委会", "Taicang Hi-tech Zone", UnitKind.ZONE, ALL),
    ("science-city", "科教新城管委会", "Science and Education New Town", UnitKind.ZONE, ALL),
    ("resort-zone", "旅游度假区管委会", "Tourist Resort Zone", UnitKind.ZONE, ALL),
    ("loudong", "娄东街道办事处", "Loudong Subdistrict", UnitKind.SUBDISTRICT, ALL),
    ("ludu", "陆渡街道办事处", "Ludu Subdistrict", UnitKind.SUBDISTRICT, ALL),
    ("police", "市公安局", "Public Security Bureau", UnitKind.DEPARTMENT, ["social_security", "accident"]),
    ("propaganda", "市委宣传部", "Propaganda Department", UnitKind.DEPARTMENT, ["social_security"]),
    ("emergency", "市应急管理局", "Emergency Management Bureau", UnitKind.DEPARTMENT, ["natural", "accident"]),
    ("health", "市卫生健康委员会", "Health Commission", UnitKind.DEPARTMENT, ["public_health"]),
    ("ecology", "市生态环境局", "Ecology and Environment Bureau", UnitKind.DEPARTMENT, ["accident"]),
    ("housing", "市住房和城乡建设局", "Housing and Construction Bureau", UnitKind.DEPARTMENT, ["accident"]),
    ("transport", "市交通运输局", "Transport Bureau", UnitKind.DEPARTMENT, ["accident"]),
    ("market", "市市场监督管理局", "Market Regulation Bureau", UnitKind.DEPARTMENT, ["public_health", "accident"]),
]
# 分级管理: 沙溪镇 runs its own duty room (镇应急办); its villages, communities and an enterprise report to it, and
# it holds them to 20 minutes for a first report so that it can meet the city's 45. Other towns are unchanged.
LOCAL_DUTY_ROOM = "shaxi"
LOCAL_UNITS: list[tuple[str, str, str, str]] = [
    ("shaxi-tusong", "涂松村村民委员会", "Tusong Village", UnitKind.VILLAGE),
    ("shaxi-niqiao", "泥桥村村民委员会", "Niqiao Village", UnitKind.VILLAGE),
    ("shaxi-yinxi", "印溪社区居民委员会", "Yinxi Community", UnitKind.COMMUNITY),
    ("shaxi-chem", "太仓沙溪精细化工有限公司", "Shaxi Fine Chemicals Co.", UnitKind.ENTERPRISE),
]
LOCAL_RULES = {"general.first": 20}
TOWNS = ["chengxiang", "shaxi", "liuhe", "fuqiao", "huangjing", "shuangfeng"]
DUTY_ROOM_USERS = [
    ("duty-officer", Role.DUTY_OFFICER, "值班员"),
    ("duty-leader", Role.DUTY_LEADER, "带班领导"),
    ("assessor", Role.ASSESSOR, "考评人员"),
    ("admin", Role.ADMIN, "系统管理员"),
]


def demo_password() -> str:
    return os.environ.get("DUTYROOM_DEMO_PASSWORD", "dutyroom-demo")


def units_load() -> int:
    """Create or update the demo units (idempotent). Returns how many were created."""
    created = 0
    root = None
    for code, name, name_en, kind, categories in UNITS:
        unit, was_created = Unit.objects.update_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en, "kind": kind, "categories": categories, "parent": root},
        )
        created += was_created
        if kind == UnitKind.DUTY_ROOM:
            root = unit
    for town in TOWNS:  # the tree goes down to the grid (网格) where informants work
        parent = Unit.objects.get(code=town)
        _, was_created = Unit.objects.update_or_create(
            code=f"grid-{town}",
            defaults={
                "name": f"{parent.name.removesuffix('人民政府')}第一网格",
                "name_en": f"{parent.name_en} Grid 1",
                "kind": UnitKind.GRID,
                "categories": ALL,
                "parent": parent,
            },
        )
        created += was_created
    return created


def levels_load(now: datetime) -> tuple[int, int]:
    """分级管理 in the demo city (after ``units_load`` and ``users_load``; idempotent): 沙溪 runs its own duty
    room with a duty officer, its villages, community and enterprise each have a reporter, and it sets its
    units' first report to 20 minutes once. Kept apart from the city's units so that a city without duty rooms
    below it (the tests' city) stays exactly as it was. Returns how many units and how many users were created."""
    shaxi = Unit.objects.get(code=LOCAL_DUTY_ROOM)
    if not shaxi.duty_room:
        shaxi.duty_room = True
        shaxi.save(update_fields=["duty_room"])
    units = 0
    for code, name, name_en, kind in LOCAL_UNITS:
        _, was_created = Unit.objects.update_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en, "kind": kind, "categories": ALL, "parent": shaxi},
        )
        units += was_created
    wanted: list[tuple[str, str, str, str]] = [
        (f"{LOCAL_DUTY_ROOM}-duty", Role.DUTY_OFFICER, LOCAL_DUTY_ROOM, "沙溪镇值班员"),
        (f"{LOCAL_DUTY_ROOM}-duty-leader", Role.DUTY_LEADER, LOCAL_DUTY_ROOM, "沙溪镇带班领导"),
    ]
    wanted += [(f"{code}-reporter", Role.UNIT_REPORTER, code, f"{name} 信息员") for code, name, *_ in LOCAL_UNITS]
    users = _users_add(wanted, now)
    if not UnitRules.objects.filter(unit=shaxi).exists():
        unit_rules_set(
            actor=User.objects.get(username=f"{LOCAL_DUTY_ROOM}-duty"),
            unit=shaxi,
            within_minutes=dict(LOCAL_RULES),
            rulebook=rulebook_of(current_snapshot()),
            now=now,
        )
    return units, users


def users_load(now: datetime) -> int:
    wanted: list[tuple[str, str, str, str]] = [(n, r, "duty-room", label) for n, r, label in DUTY_ROOM_USERS]
    for code, name, *_ in UNITS[1:]:  # reporting units; grids report through leads, not reports
        wanted.append((f"{code}-reporter", Role.UNIT_REPORTER, code, f"{name} 信息员"))
        wanted.append((f"{code}-leader", Role.UNIT_LEADER, code, f"{name} 签发人"))
    for town in TOWNS:
        town_name = next(name for code, name, *_ in UNITS if code == town).removesuffix("人民政府")
        wanted.append((f"grid-{town}", Role.INFORMANT, f"grid-{town}", f"{town_name}网格员"))
    return _users_add(wanted, now)


def _users_add(wanted: list[tuple[str, str, str, str]], now: datetime) -> int:
    """Add each (username, role, unit code, display name) not there yet, with the demo password; how many were
    added. Every demo user shares the password: it is hashed once (argon2 costs ~0.1 s a time, 50 users would be
    5 s of start-up)."""
    existing = set(User.objects.filter(username__in=[w[0] for w in wanted]).values_list("username", flat=True))
    hashed = make_password(demo_password()) if len(existing) < len(wanted) else None
    created = 0
    for username, role, unit, label in wanted:
        if username not in existing:
            user_add(
                username=username,
                role=role,
                unit_code=unit,
                password=None,
                password_hash=hashed,
                now=now,
                display_name=label,
            )
            created += 1
    return created


@dataclass
class Sample:
    title: str
    unit: str
    category: str
    subtype: str
    grade: str | None
    minutes_ago: int
    report_kind: str | None = None
    sensitive: bool = False
    exercise: bool = False
    address: str = ""


SAMPLES = [
    Sample("浏河镇某化工企业储罐泄漏", "liuhe", "accident", "hazardous_chemicals", "IV", 44, address="浏河镇新闸路"),
    Sample(
        "G15沈海高速太仓段多车追尾", "police", "accident", "traffic", "III", 12, "written", address="G15沈海高速太仓段"
    ),
    Sample("沙溪镇居民楼火灾", "shaxi", "accident", "fire", "IV", 58, "written", address="沙溪镇白云路"),
    Sample("港区码头吊机倒塌", "port-zone", "accident", "special_equipment", "II", 9, address="太仓港区三期码头"),
    Sample(
        "城厢镇群众聚集上访",
        "chengxiang",
        "social_security",
        "mass_incident",
        None,
        130,
        sensitive=True,
        address="城厢镇政府门前",
    ),
    Sample("涂松村河道小船翻覆", "shaxi-tusong", "accident", "water_traffic", None, 14, address="沙溪镇涂松村"),
    Sample("科教新城防汛应急演练", "science-city", "natural", "flood", "IV", 30, "phone", exercise=True),
]


def incidents_load(now: datetime) -> int:
    """Sample incidents, only into an empty city (running init again must duplicate nothing)."""
    if Incident.objects.exists():
        return 0
    officer = User.objects.get(username="duty-officer")
    with transaction.atomic():
        for sample in SAMPLES:
            if not Unit.objects.filter(code=sample.unit).exists():  # a village sample without the levels loaded
                continue
            reporter = User.objects.get(username=f"{sample.unit}-reporter")
            incident = incident_create(
                actor=reporter,
                data=IncidentInput(
                    title=sample.title,
                    category=sample.category,
                    subtype=sample.subtype,
                    grade=sample.grade,
                    sensitive=sample.sensitive,
                    exercise=sample.exercise,
                    occurred_at=now - timedelta(minutes=sample.minutes_ago),
                    learned_at=now - timedelta(minutes=max(sample.minutes_ago - 3, 0)),
                    address=sample.address,
                ),
                now=now,
            )
            if sample.report_kind == "phone":
                report_submit(
                    actor=officer,
                    incident=incident,
                    now=now,
                    data=ReportInput(
                        kind="phone", summary="电话报告：演练开始", contact_name="张三", contact_phone="0512-53500000"
                    ),
                )
            elif sample.report_kind:
                report_submit(
                    actor=reporter,
                    incident=incident,
                    now=now,
                    data=ReportInput(
                        kind="written",
                        summary=f"{sample.title}，现场处置中。",
                        casualties={"injuries": 3},
                        signer="李四",
                        contact_name="王五",
                        contact_phone="13800000000",
                        measures="已调派力量赶赴现场",
                    ),
                )
        chemical = Incident.objects.get(title=SAMPLES[0].title)
        incident_update(
            actor=officer,
            incident=chemical,
            now=now,
            changes=IncidentChanges(may_escalate=True, reason="周边有居民区，可能演化"),
        )
        fire = Incident.objects.get(title=SAMPLES[2].title)
        verification_request_create(
            actor=officer,
            now=now,
            data=VerificationInput(
                unit="shaxi", authority="suzhou", question="苏州市应急办要求核实沙溪镇火灾伤亡人数", incident=fire
            ),
        )
    return len(SAMPLES)

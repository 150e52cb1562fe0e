"""The units page: 沙溪's duty room adds, renames and imports its villages; other people cannot."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from dutyroom.accounts.models import User
from dutyroom.audit.models import AuditEntry
from dutyroom.orgs.models import Unit

pytestmark = pytest.mark.django_db


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_the_town_duty_room_sees_its_units_in_words_and_adds_one(city):
    page = signed_in("shaxi-duty").get("/units/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "涂松村村民委员会" in text and "企业" in text and "浏河镇" not in text
    shown = re.sub(r"<[^>]+>", " ", text.split('id="unit-add"')[0])
    assert "shaxi-tusong" not in shown  # the list shows names, not codes
    signed_in("shaxi-duty").post(
        "/units/", {"parent": "shaxi", "kind": "village", "name": "直塘村村民委员会", "code": "shaxi-zhitang"}
    )
    assert Unit.objects.get(code="shaxi-zhitang").parent.code == "shaxi"


def test_a_village_reporter_cannot_add_or_rename(city):
    client = signed_in("shaxi-tusong-reporter")
    assert 'id="unit-add"' not in client.get("/units/").content.decode()
    client.post("/units/", {"parent": "shaxi", "kind": "village", "name": "x", "code": "shaxi-x"})
    assert not Unit.objects.filter(code="shaxi-x").exists()
    client.post("/units/shaxi-tusong/", {"name": "改名", "name_en": ""})
    assert Unit.objects.get(code="shaxi-tusong").name == "涂松村村民委员会"


def test_renaming_a_village_is_audited(city):
    signed_in("shaxi-duty").post("/units/shaxi-tusong/", {"name": "涂松村", "name_en": "Tusong"})
    assert Unit.objects.get(code="shaxi-tusong").name == "涂松村"
    assert AuditEntry.objects.filter(action="unit.update", unit_code="shaxi-tusong").count() == 1


def test_a_towns_villages_import_from_csv_all_or_nothing(city):
    good = "代码,名称,类型\nshaxi-a,甲村,村\nshaxi-b,乙社区,社区\n".encode()
    signed_in("shaxi-duty").post("/units/", {"parent": "shaxi", "file": SimpleUploadedFile("v.csv", good)})
    assert {u.parent.code for u in Unit.objects.filter(code__in=["shaxi-a", "shaxi-b"])} == {"shaxi"}
    assert Unit.objects.get(code="shaxi-b").kind == "community"
    bad = "代码,名称,类型\nshaxi-c,丙村,村\nshaxi-a,重复,村\n".encode()
    page = signed_in("shaxi-duty").post(
        "/units/", {"parent": "shaxi", "file": SimpleUploadedFile("v.csv", bad)}, follow=True
    )
    assert not Unit.objects.filter(code="shaxi-c").exists()
    assert "row 3.code" in page.content.decode()


def test_villages_import_from_xlsx(city):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["code", "name", "kind", "name_en"])
    sheet.append(["shaxi-d", "丁村", "village", "Ding Village"])
    buffer = io.BytesIO()
    book.save(buffer)
    signed_in("admin").post("/units/", {"parent": "shaxi", "file": SimpleUploadedFile("v.xlsx", buffer.getvalue())})
    assert Unit.objects.get(code="shaxi-d").name_en == "Ding Village"


def test_the_admin_sets_up_a_towns_duty_room_and_its_villages_then_report_to_it(city, api):
    from tests.api.test_incidents import ago

    assert not Unit.objects.get(code="liuhe").duty_room
    signed_in("liuhe-leader").post("/units/liuhe/", {"duty_room": "1"})
    assert not Unit.objects.get(code="liuhe").duty_room  # only the admin
    signed_in("admin").post("/units/liuhe/", {"duty_room": "1"})
    assert Unit.objects.get(code="liuhe").duty_room
    assert AuditEntry.objects.filter(action="unit.duty_room", unit_code="liuhe").count() == 1
    api("admin").post("/units", {"code": "liuhe-v", "name": "浏河某村", "kind": "village", "parent": "liuhe"})
    from dutyroom.accounts.services import user_add
    from dutyroom.common.clock import now as clock_now

    user_add(username="liuhe-v-reporter", role="unit_reporter", unit_code="liuhe-v", password=None, now=clock_now())
    body = (
        api("liuhe-v-reporter")
        .post("/incidents", {"title": "浏河某村火情", "category": "accident", "grade": "IV", "occurred_at": ago(2)})
        .json_body
    )
    assert {(o["unit"], o["owed_to"]) for o in body["obligations"]} == {("liuhe-v", "liuhe"), ("liuhe", "duty-room")}

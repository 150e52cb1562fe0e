"""Each person has a place, and forms ask for names, start from sensible values and never lose what was typed."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client

from dutyroom.accounts.models import User
from dutyroom.common.clock import now as clock_now
from dutyroom.common.timefmt import LOCAL
from dutyroom.handover.models import DutyLogEntry
from dutyroom.incidents.models import Incident
from dutyroom.instructions.models import Instruction
from dutyroom.leads.categorize import suggest_category
from dutyroom.leads.models import Lead
from dutyroom.leads.services import LeadInput, LeadOrigin, lead_submit
from tests.web.conftest import incident_make

pytestmark = pytest.mark.django_db

Login = Callable[[str], Client]
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 16


def _lead(title: str = "沙溪镇白云路燃气爆炸，有人受伤", channel: str = "grid", area: str | None = "shaxi") -> Lead:
    sender = User.objects.get(username="grid-shaxi")
    return lead_submit(
        data=LeadInput(channel=channel, title=title, area=area, address="白云路 8 号"),
        origin=LeadOrigin(source="user:grid-shaxi", sender=sender),
        now=clock_now(),
        score_duplicates=False,
    )


# --- the grid worker ---------------------------------------------------------------------------------------


def test_a_grid_workers_home_is_the_lead_form_with_their_own_leads(login: Login) -> None:
    lead = _lead()
    client = login("grid-shaxi")
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/leads/new/"
    html = client.get("/leads/new/").content.decode()
    assert 'id="lead-form"' in html and "我报送的线索" in html
    mine = re.search(r'<section class="panel" id="my-leads">.*?</section>', html, re.S)
    assert mine is not None and lead.title in mine.group(0) and "待核实" in mine.group(0)
    # their own town is already chosen
    assert re.search(r'<option value="shaxi" selected>', html)


def test_a_lead_page_names_the_sender_and_place_in_words(login: Login) -> None:
    lead = _lead()
    html = login("duty-officer").get(f"/leads/{lead.pk}/").content.decode()
    assert "user:grid-shaxi" not in html
    assert "沙溪镇网格员" in html and "沙溪镇人民政府 白云路 8 号" in html
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", re.sub(r"<(script|time)[^>]*>.*?</\1>", "", html, flags=re.S))


# --- the verifier units ------------------------------------------------------------------------------------


def test_a_verifier_lands_on_the_queue_of_leads_their_unit_must_verify(login: Login) -> None:
    internet = _lead("网传某小区有人聚集", channel="internet", area=None)
    client = login("propaganda-reporter")
    board = client.get("/").content.decode()
    panel = re.search(r'<section[^>]*id="leads-waiting".*?</section>', board, re.S)
    assert panel is not None and "/leads/?state=open&amp;mine=1" in panel.group(0)
    queue = client.get("/leads/").content.decode()
    assert "待本单位核实的线索" in queue and internet.title in queue
    # one click from the queue to the verification form
    assert f'href="/leads/{internet.pk}/#verify-form"' in queue


# --- confirming a lead as a new incident -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "category"),
    [
        ("沙溪镇某小区燃气爆炸", "accident"),
        ("网传某商场起火冒烟", "accident"),
        ("台风过境多处积水", "natural"),
        ("学校多名学生食物中毒", "public_health"),
        ("数十人在镇政府门前聚集", "social_security"),
        ("今天天气不错", None),
    ],
)
def test_a_lead_s_words_suggest_its_category(words: str, category: str | None) -> None:
    assert suggest_category(words) == category


def test_confirm_as_new_opens_a_prefilled_form_and_creates_the_corrected_incident(login: Login) -> None:
    lead = _lead("网传沙溪镇某小区燃气爆炸", channel="internet")
    client = login("duty-officer")
    html = client.get(f"/leads/{lead.pk}/confirm-new/").content.decode()
    # a gas explosion found on the internet is still an accident, and the area is the responsible unit
    assert re.search(r'<option value="accident" selected>', html)
    assert re.search(r'<option value="shaxi" selected>', html)
    assert lead.title in html
    response = client.post(
        f"/leads/{lead.pk}/confirm-new/",
        {"category": "accident", "subtype": "", "grade": "III", "unit": "shaxi", "reason": "已电话核实"},
    )
    assert response.status_code == 302
    incident = Incident.objects.get(title=lead.title)
    assert (incident.category, incident.grade, incident.unit.code) == ("accident", "III", "shaxi")
    assert response["Location"] == f"/incidents/{incident.pk}/"


def test_a_refused_confirmation_keeps_what_was_chosen(login: Login) -> None:
    lead = _lead(area=None)
    response = login("duty-officer").post(
        f"/leads/{lead.pk}/confirm-new/", {"category": "natural", "grade": "II", "unit": "", "reason": "核实属实"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(r'<option value="natural" selected>', html) and "核实属实" in html
    assert not Incident.objects.exists()


# --- the leader --------------------------------------------------------------------------------------------


def test_the_leader_sees_major_and_sensitive_incidents_and_writes_an_instruction_there(login: Login) -> None:
    major = incident_make("port-zone-reporter", title="港区码头吊机倒塌", grade="II")
    incident_make("liuhe-reporter", title="浏河镇小型火情", grade="IV")
    client = login("duty-leader")
    html = client.get("/leader/").content.decode()
    section = re.search(r'<section class="panel" id="major">.*?</section>', html, re.S)
    assert section is not None and major.title in section.group(0) and "浏河镇小型火情" not in section.group(0)
    due = (clock_now() + timedelta(hours=2)).astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"/incidents/{major.pk}/instructions/",
        {
            "leader": "带班领导",
            "text": "全力救治伤员，查明原因",
            "units": ["port-zone", "emergency"],
            "due_at": due,
            "next": "leader",
        },
    )
    assert response["Location"] == f"/leader/#incident-{major.pk}"
    instruction = Instruction.objects.get()
    assert sorted(instruction.tasks.values_list("unit__code", flat=True)) == ["emergency", "port-zone"]
    mine = client.get("/leader/").content.decode()
    assert "全力救治伤员，查明原因" in mine and "待反馈" in mine


def test_instruction_units_are_checkboxes_not_a_ctrl_click_list(login: Login) -> None:
    incident = incident_make()
    html = login("duty-officer").get(f"/incidents/{incident.pk}/").content.decode()
    assert re.search(r'<input type="checkbox" name="units" value="shaxi" checked>', html)
    assert '<select id="instr-units" name="units" multiple' not in html


def test_a_refused_instruction_keeps_what_the_leader_wrote(login: Login) -> None:
    incident = incident_make()
    response = login("duty-leader").post(
        f"/incidents/{incident.pk}/instructions/",
        {"leader": "王市长", "text": "立即组织排查周边隐患", "units": ["emergency"], "due_at": ""},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "立即组织排查周边隐患" in html and 'value="王市长"' in html
    assert '<input type="checkbox" name="units" value="emergency" checked>' in html
    assert not Instruction.objects.exists()


def test_the_roster_chooses_the_city_leader_by_name(login: Login) -> None:
    html = login("duty-officer").get("/roster/").content.decode()
    assert re.search(r'<select name="city-0"[^>]*>.*?<option value="duty-leader">带班领导</option>', html, re.S)
    assert 'placeholder="用户名"' not in html


def test_the_leader_page_is_not_for_a_unit(login: Login) -> None:
    assert login("shaxi-reporter").get("/leader/").status_code == 403


# --- form friction -----------------------------------------------------------------------------------------


def test_the_incident_form_starts_at_the_reporters_town_and_now(login: Login) -> None:
    html = login("shaxi-reporter").get("/incidents/new/").content.decode()
    area = re.search(r'<select name="area".*?</select>', html, re.S)
    assert area is not None and '<option value="shaxi" selected>' in area.group(0)
    value = re.search(r'name="occurred_at" value="([^"]+)"', html)
    assert value is not None and value.group(1) == clock_now().astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M")


def test_the_duty_log_takes_a_unit_by_name_and_keeps_a_refused_entry(login: Login) -> None:
    client = login("duty-officer")
    html = client.get("/duty-log/").content.decode()
    assert '<option value="chengxiang">城厢镇人民政府</option>' in html
    typed = "14:05 城厢镇来电报告某厂房起火，已派员"
    refused = client.post("/duty-log/", {"kind": "call", "text": typed, "incident": "abc", "unit": "chengxiang"})
    assert refused.status_code == 400
    page = refused.content.decode()
    assert typed in page and '<option value="chengxiang" selected>' in page
    assert not DutyLogEntry.objects.exists()
    client.post("/duty-log/", {"kind": "call", "text": typed, "unit": "chengxiang"})
    assert DutyLogEntry.objects.get().unit.code == "chengxiang"


# --- photos from a phone -----------------------------------------------------------------------------------


def test_a_phone_photo_of_3_mb_is_accepted(login: Login, settings: object, tmp_path: object) -> None:
    settings.DUTYROOM_UPLOADS_DIR = str(tmp_path)
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = SimpleUploadedFile("IMG_0001.jpg", JPEG + b"\x00" * (3 * 1024 * 1024), content_type="image/jpeg")
    response = login("grid-shaxi").post(
        "/leads/new/", {"title": "白云路有烟", "channel": "grid", "area": "shaxi", "photos": [photo]}
    )
    assert response.status_code == 302, response.content[:300]
    assert Lead.objects.get().photos.count() == 1


def test_a_photo_over_5_mb_is_a_message_in_the_form_not_plain_text(login: Login) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = SimpleUploadedFile("IMG_0002.jpg", JPEG + b"\x00" * (6 * 1024 * 1024), content_type="image/jpeg")
    response = login("grid-shaxi").post(
        "/leads/new/",
        {"title": "白云路有烟", "text": "三楼窗口冒烟", "channel": "grid", "area": "shaxi", "photos": [photo]},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="lead-form"' in html and "超过 5 MB" in html and "三楼窗口冒烟" in html
    assert not Lead.objects.exists()


def test_the_lead_form_script_keeps_the_draft_unless_the_new_lead_answers() -> None:
    """A redirect to the login page (expired session) must not count as sent."""
    from pathlib import Path

    script = (Path(__file__).parents[2] / "dutyroom/web/static/web/lead-form.js").read_text()
    assert "isLeadPage(response.url)" in script and "removeItem" in script
    removal = script.index("removeItem")
    assert script.rfind("isLeadPage(response.url)", 0, removal) != -1

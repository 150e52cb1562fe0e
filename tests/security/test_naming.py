"""A work-secret incident's title reaches nobody who gets 404 on the incident: every page of the URL conf, every
document (DOCX, PDF, XLSX) and every API GET, as every demo role, with the incident present in every book that
names incidents (the ledger through a missing clock, an adoption and an upheld finding; a verification request
and a leader's instruction addressed to another unit; the duty log; the daily report; a handover).

A new page or API operation with an id in its path fails here until it is given the ids to try, so a new
surface cannot skip the sweep.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, reverse

from dutyroom.accounts.models import User
from dutyroom.api.v1 import api as ninja_api
from dutyroom.assessment.models import Finding, FindingState
from dutyroom.assessment.services import AdoptionInput, FindingInput, adoption_record, finding_raise
from dutyroom.common.clock import now as clock_now
from dutyroom.documents.services import daily_report_generate
from dutyroom.handover.services import LogInput, duty_log_add, handover_sign
from dutyroom.incidents.models import Incident
from dutyroom.instructions.services import InstructionInput, instruction_record
from dutyroom.interop.models import Forwarding
from dutyroom.reports.services import VerificationInput, verification_request_create
from dutyroom.web import urls as web_urls
from tests.web.conftest import incident_make

pytestmark = pytest.mark.django_db

# ASCII, so no encoding (JSON escapes, XML, PDF text) can hide it; six letters, because a page carries random
# letters too (CSRF tokens: some 40,000 three-letter runs over the sweep), and a three-letter mark turned up in
# one of them in about one run in six
MARK = "XQZJWK"
TITLE = f"甲厂秘事{MARK}"
# one account per role, none of which may open Shaxi's work-secret incident
CALLERS = ["assessor", "admin", "liuhe-reporter", "liuhe-leader", "police-reporter", "grid-shaxi", "grid-liuhe"]
DOCUMENT_FORMATS = {
    "special-report": ["docx", "pdf"],
    "daily-report-file": ["docx", "pdf"],
    "assessment-notice": ["docx", "pdf", "xlsx"],
}


@pytest.fixture
def world(demo_city: None) -> dict[str, Any]:
    now = clock_now()
    officer = User.objects.get(username="duty-officer")
    # 90 minutes without a report: the first-report clock is missing, a line of Shaxi's ledger
    secret = incident_make("shaxi-reporter", minutes_ago=90, title=TITLE, classification="work_secret", now=now)
    plain = incident_make("liuhe-reporter", minutes_ago=30, title="浏河镇道路积水", written=True, now=now)
    adoption_record(actor=officer, incident=secret, now=now, data=AdoptionInput(unit="shaxi", by="suzhou"))
    finding = finding_raise(
        actor=officer,
        incident=secret,
        now=now,
        data=FindingInput(unit="shaxi", kind="omitted", evidence="首报要素不全"),
    )
    Finding.objects.filter(pk=finding.pk).update(state=FindingState.UPHELD, decided_at=now, decision_reason="属实")
    request = verification_request_create(
        actor=officer,
        now=now,
        data=VerificationInput(unit="liuhe", authority="city", question="请核实周边情况", incident=secret),
    )
    given = instruction_record(
        actor=officer,
        incident=secret,
        now=now,
        data=InstructionInput(
            leader="市长", text="请浏河镇配合做好疏散", units=["liuhe"], due_at=now + timedelta(hours=2)
        ),
    )
    duty_log_add(actor=officer, now=now, data=LogInput(kind="call", text="接报", incident=secret.pk))
    daily = daily_report_generate(actor=officer, day=now.date(), now=now)
    handover = handover_sign(actor=User.objects.get(username="duty-leader"), note="交班", now=now)
    Forwarding.objects.create(  # waiting for the 签发: the board's panel, /forwardings/ and the API name it
        target="suzhou", kind="incident", incident=secret, state="awaiting", next_attempt_at=now, created_at=now
    )
    return {
        "secret": secret,
        "plain": plain,
        "finding": finding.pk,
        "request": request.pk,
        "task": given.tasks.get().pk,
        "daily": daily.pk,
        "handover": handover.pk,
        "report": plain.reports.get().pk,
        "obligation": secret.obligations.order_by("id").first().pk,
    }  # type: ignore[union-attr]


def text_of(response: Any) -> str:
    """Everything a reader could read in the answer: HTML/JSON/XML as text, DOCX/XLSX by their XML parts, PDF by
    its extracted text."""
    if getattr(response, "streaming", False):
        return ""
    content: bytes = response.content
    kind = response.get("Content-Type", "")
    if content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "".join(
                archive.read(name).decode("utf-8", "replace") for name in archive.namelist() if name.endswith(".xml")
            )
    if content[:4] == b"%PDF":
        import pypdfium2

        document = pypdfium2.PdfDocument(content)
        return "".join(page.get_textpage().get_text_range() for page in document)
    text = content.decode("utf-8", "replace")
    if "json" in kind and text:
        return json.dumps(json.loads(text), ensure_ascii=False)
    return text


def _patterns(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix, entry


def web_urls_to_try(world: dict[str, Any]) -> list[str]:
    """Every page of the web URL conf, with each id it takes filled from the world."""
    by_name: dict[str, list[int]] = {
        "incident": [world["secret"].pk, world["plain"].pk],
        "report-new": [world["secret"].pk],
        "special-report": [world["secret"].pk],
        "incident-cap": [world["secret"].pk],
        "incident-edit": [world["secret"].pk],
        "incident-handled": [],
        "instruction-new": [],
        "report-confirm": [],
        "obligation-waive": [],
        "obligation-chase": [],
        "notification-read": [],
        "evidence-dismiss": [],
        "instruction-feedback": [],  # forms that only accept a POST
        "verification-reply": [world["request"]],
        "daily-report-file": [world["daily"]],
        "finding": [world["finding"]],
        "assessment-notice": [],  # its formats are added below
        "lead": [],
        "lead-confirm-new": [],
        "lead-photo": [],
        "lead-duplicate-decision": [],
        "warning-action": [],  # leads name no incident
        "incident-duplicate-decision": [],
        "forwarding-sign": [],  # a POST; the 待签发 list it belongs to is swept as /forwardings/
    }
    urls = []
    for _prefix, pattern in _patterns(web_urls.urlpatterns):
        name = pattern.name or ""
        params = list(pattern.pattern.regex.groupindex)
        if not params:
            urls.append(reverse(f"web:{name}"))
            continue
        assert name in by_name or params == ["code"], f"give the page {name!r} its ids in by_name"
        for value in ["shaxi", "liuhe"] if params == ["code"] else by_name[name]:
            for fmt in DOCUMENT_FORMATS.get(name, [""]):
                kwargs: dict[str, Any] = {params[0]: value}
                if "fmt" in params:
                    kwargs["fmt"] = fmt
                urls.append(reverse(f"web:{name}", kwargs=kwargs))
    for fmt in DOCUMENT_FORMATS["assessment-notice"]:
        urls.append(reverse("web:assessment-notice", kwargs={"fmt": fmt}))
    return sorted(set(urls))


def api_urls_to_try(world: dict[str, Any]) -> list[str]:
    """Every GET operation of the OpenAPI document, path ids from the world, required query parameters filled."""
    ids = {
        "incident_id": world["secret"].pk,
        "finding_id": world["finding"],
        "request_id": world["request"],
        "task_id": world["task"],
        "handover_id": world["handover"],
        "report_id": world["daily"],
        "obligation_id": world["obligation"],
        "unit": "shaxi",
        "code": "shaxi",
        "lead_id": 1,
        "warning_id": 1,
        "term_id": 1,
        "duplicate_id": 1,
        "notification_id": 1,
        "webhook_id": 1,
        "delivery_id": 1,
        "username": "assessor",
    }
    now = clock_now()
    query = {
        "/assessment": {"period": now.strftime("%Y-%m")},
        "/opinion-report": {"start": (now - timedelta(days=1)).isoformat(), "end": now.isoformat()},
    }
    urls = []
    for path, methods in ninja_api.get_openapi_schema()["paths"].items():
        if "get" not in methods:
            continue
        names = re.findall(r"\{(\w+)\}", path)
        missing = [n for n in names if n not in ids]
        assert not missing, f"give {path} its ids ({missing}) in api_urls_to_try"
        url = re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), path)
        short = path.removeprefix("/api/v1")
        if short in query:
            url += "?" + urlencode(query[short])
        urls.append(url)
        if "/document" in path:
            urls.append(url + "?format=pdf")
    return urls


def around_mark(text: str) -> str:
    """The words around the first leak, so a failure says where on the page the title appeared."""
    at = text.index(MARK)
    return repr(text[max(0, at - 60) : at + 20])


@pytest.mark.parametrize("caller", CALLERS)
def test_no_page_document_or_api_answer_names_a_secret_incident_to_who_may_not_open_it(
    world: dict[str, Any], caller: str, api: Any
) -> None:
    person = User.objects.get(username=caller)
    browser = Client()
    browser.force_login(person)
    secret = world["secret"]
    assert browser.get(reverse("web:incident", args=[secret.pk])).status_code == 404
    assert api(caller).get(f"/incidents/{secret.pk}").status_code == 404
    leaks = []
    for url in web_urls_to_try(world):
        response = browser.get(url)
        if MARK in (text := text_of(response)):
            leaks.append(f"page {url} ({response.status_code}): {around_mark(text)}")
    client = api(caller)
    for url in api_urls_to_try(world):
        response = client.client.get(url, headers=client._headers(None))
        if MARK in (text := text_of(response)):
            leaks.append(f"API {url} ({response.status_code}): {around_mark(text)}")
    assert not leaks, f"{caller} reads the secret title on:\n" + "\n".join(leaks)


def test_the_people_who_may_open_it_still_read_its_name(world: dict[str, Any], login: Any) -> None:
    """The redaction is need-to-know, not blanket: the responsible unit reads its own incident's name."""
    page = login("shaxi-reporter").get(reverse("web:incident", args=[world["secret"].pk]))
    assert page.status_code == 200 and TITLE in page.content.decode()
    ledger = login("duty-officer").get(reverse("web:assessment-unit", args=["shaxi"]))
    assert TITLE in ledger.content.decode()  # the duty room sees every incident, so its ledger names it


def test_the_assessor_decides_a_finding_about_a_secret_incident_on_its_stub(
    world: dict[str, Any], api: Any, login: Any
) -> None:
    secret: Incident = world["secret"]
    officer = User.objects.get(username="duty-officer")
    now = clock_now()
    finding = finding_raise(
        actor=officer,
        incident=secret,
        now=now,
        data=FindingInput(unit="shaxi", kind="concealed", evidence="未按规定报告"),
    )
    Finding.objects.filter(pk=finding.pk).update(appeal_due_at=now - timedelta(minutes=1))  # window closed
    assessor = api("assessor")
    shown = assessor.get(f"/findings/{finding.pk}")
    assert shown.status_code == 200 and MARK not in json.dumps(shown.json_body, ensure_ascii=False)
    page = login("assessor").get(reverse("web:finding", args=[finding.pk]))
    assert page.status_code == 200 and MARK not in page.content.decode() and "工作秘密" in page.content.decode()
    decided = assessor.post(f"/findings/{finding.pk}/decision", {"upheld": True, "reason": "证据充分"})
    assert decided.status_code == 200, decided.json_body
    assert decided.json_body["state"] == "upheld"
    assert assessor.get(f"/incidents/{secret.pk}").status_code == 404  # still no need-to-know for the content


def test_a_unit_tasked_on_another_units_incident_sees_and_answers_its_task(
    world: dict[str, Any], api: Any, login: Any
) -> None:
    liuhe = api("liuhe-reporter")
    listed = liuhe.get("/instruction-tasks")
    assert listed.status_code == 200
    mine = [t for t in listed.json_body if t["id"] == world["task"]]
    assert mine and mine[0]["text"] == "请浏河镇配合做好疏散" and MARK not in mine[0]["incident_title"]
    assert liuhe.get(f"/instruction-tasks/{world['task']}").status_code == 200
    answered = liuhe.post(f"/instruction-tasks/{world['task']}/feedback", {"text": "已组织疏散"})
    assert answered.status_code == 200, answered.json_body
    assert answered.json_body["state"] == "met"
    # the form: the page lists the task, the answer comes back to it (not to an incident page that is a 404)
    browser = login("liuhe-leader")
    page = browser.get(reverse("web:instruction-tasks"))
    assert page.status_code == 200 and "请浏河镇配合做好疏散" in page.content.decode()
    back = browser.post(reverse("web:instruction-feedback", args=[world["task"]]), {"text": "补充：已安置"})
    assert back.status_code == 302 and back["Location"].startswith(reverse("web:instruction-tasks"))
    # another town's staff still see nothing of it
    assert api("fuqiao-reporter").get(f"/instruction-tasks/{world['task']}").status_code == 404


@pytest.mark.parametrize(
    ("units", "due", "field"),
    [
        (["duty-room"], timedelta(hours=2), "units[0]"),
        (["grid-liuhe"], timedelta(hours=2), "units[0]"),
        (["liuhe"], timedelta(days=365 * 170), "due_at"),
    ],
)
def test_an_instruction_tasks_only_units_that_can_answer_within_a_sane_time(
    world: dict[str, Any], api: Any, units: list[str], due: timedelta, field: str
) -> None:
    body = {"leader": "市长", "text": "请处置", "units": units, "due_at": (clock_now() + due).isoformat()}
    refused = api("duty-officer").post(f"/incidents/{world['plain'].pk}/instructions", body)
    assert refused.status_code == 400
    assert [e["field"] for e in refused.json_body["errors"]] == [field]


def test_a_work_secret_incident_goes_upward_as_a_stub_without_its_words(world: dict[str, Any]) -> None:
    from dutyroom.interop.outbound import incident_payload
    from dutyroom.reports.services import ReportInput, report_submit

    secret: Incident = world["secret"]
    report_submit(
        actor=User.objects.get(username="shaxi-reporter"),
        incident=secret,
        now=clock_now(),
        data=ReportInput(kind="written", summary=f"现场{MARK}情况", casualties={"injuries": 4}),
    )
    payload = incident_payload(secret)
    assert MARK not in json.dumps(payload, ensure_ascii=False)
    assert payload["incident"]["grade"] == secret.grade and payload["reports"][0]["received_at"]
    assert payload["reports"][0]["casualties"] is None
    assert world["plain"].title in json.dumps(incident_payload(world["plain"]), ensure_ascii=False)


# the assessment of a town's duty room (分级管理): the town's ledger, unit pages, findings, candidates and 通报
# (沙溪's duty room opens its area's work secrets, whose reports it receives: its town reporter stands for the town)
LEVEL_CALLERS = ["shaxi-reporter", "shaxi-niqiao-reporter", "assessor", "liuhe-reporter"]


@pytest.fixture
def town_world(demo_city: None) -> dict[str, Any]:
    from dutyroom.demo import levels_load
    from dutyroom.leads.knew_first import evidence_from_town_reports
    from dutyroom.reports.services import ReportInput, report_submit

    now = clock_now()
    levels_load(now)
    # a village's work-secret incident, silent for 90 minutes: missing clocks in the town's ledger and (the town's
    # own clock to the city) in the city's; the town reports first (a who-knew-first candidate of the town's)
    secret = incident_make("shaxi-tusong-reporter", minutes_ago=90, title=TITLE, classification="work_secret", now=now)
    town = User.objects.get(username="shaxi-duty")
    report_submit(
        actor=town,
        incident=secret,
        now=now,
        data=ReportInput(kind="written", channel="platform", summary="镇值班室先行报告", signer="王五"),
    )
    evidence_from_town_reports(now=now)
    finding = finding_raise(
        actor=town,
        incident=secret,
        now=now,
        data=FindingInput(unit="shaxi-tusong", kind="omitted", evidence="村未报告"),
    )
    Finding.objects.filter(pk=finding.pk).update(state=FindingState.UPHELD, decided_at=now, decision_reason="属实")
    return {"secret": secret, "finding": finding.pk}


@pytest.mark.parametrize("caller", LEVEL_CALLERS)
def test_no_town_level_assessment_page_document_or_answer_names_a_secret_incident(
    town_world: dict[str, Any], caller: str, api: Any
) -> None:
    person = User.objects.get(username=caller)
    browser = Client()
    browser.force_login(person)
    secret = town_world["secret"]
    assert browser.get(reverse("web:incident", args=[secret.pk])).status_code == 404
    period = clock_now().strftime("%Y-%m")
    level = f"?period={period}&assessed_by=shaxi"
    pages = [
        reverse("web:assessment") + level,
        reverse("web:assessment") + f"?period={period}",
        reverse("web:assessment-unit", args=["shaxi-tusong"]) + f"?period={period}",
        reverse("web:assessment-unit", args=["shaxi"]) + f"?period={period}",
        reverse("web:findings"),
        reverse("web:finding", args=[town_world["finding"]]),
        *(reverse("web:assessment-notice", kwargs={"fmt": fmt}) + level for fmt in ("docx", "pdf", "xlsx")),
    ]
    leaks = [url for url in pages if MARK in text_of(browser.get(url))]
    client = api(caller)
    for url in (
        f"/assessment{level}",
        f"/assessment?period={period}",
        "/findings",
        f"/findings/{town_world['finding']}",
    ):
        response = client.get(url)
        if MARK in json.dumps(response.json_body, ensure_ascii=False):
            leaks.append(f"API {url}")
    assert not leaks, f"{caller} reads the secret title on:\n" + "\n".join(leaks)


def test_a_town_duty_room_reads_its_area_s_secret_by_its_title_in_its_own_ledger(town_world: dict[str, Any]) -> None:
    """The town's duty room may open its village's work secret (it signs its receipts), so its ledger names it."""
    browser = Client()
    browser.force_login(User.objects.get(username="shaxi-duty"))
    assert browser.get(reverse("web:incident", args=[town_world["secret"].pk])).status_code == 200
    period = clock_now().strftime("%Y-%m")
    body = browser.get(reverse("web:assessment-unit", args=["shaxi-tusong"]) + f"?period={period}")
    assert body.status_code == 200 and TITLE in body.content.decode()

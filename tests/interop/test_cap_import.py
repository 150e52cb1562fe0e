"""CAP import from outside: bounded per message, kept once as received, only by the duty room, and never a
reason for a unit's report to fail."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection, connections

from dutyroom.common.clock import now as clock_now
from dutyroom.leads.cap import MAX_INFOS

SENT = "2026-12-01T09:30:00+08:00"


def info(n: int, description: str = "预计未来3小时太仓市将出现50毫米以上降水，请注意防范。") -> str:
    return (
        f"<info><language>zh-CN</language><category>Met</category><event>暴雨</event>"
        f"<urgency>Immediate</urgency><severity>Severe</severity><certainty>Likely</certainty>"
        f"<headline>太仓市气象台发布暴雨橙色预警{n}</headline><description>{description}</description>"
        f"<area><areaDesc>太仓市浏河镇</areaDesc></area></info>"
    )


def alert(blocks: int, identifier: str = "CN-TC-2026-001", **kw: Any) -> str:
    return (
        f'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>{identifier}</identifier>'
        f"<sender>12379@cma.gov.cn</sender><sent>{SENT}</sent><status>Actual</status><msgType>Alert</msgType>"
        f"<scope>Public</scope>{''.join(info(n, **kw) for n in range(blocks))}</alert>"
    )


def post(api_user: Any, body: bytes, content_type: str = "application/cap+xml") -> Any:
    return api_user.client.post(
        "/api/v1/leads/cap", data=body, content_type=content_type, headers=api_user._headers(None)
    )


@pytest.mark.django_db
def test_a_message_of_more_info_blocks_than_any_real_alert_is_refused_before_anything_is_written(api):
    from dutyroom.leads.models import Lead, RawMessage

    response = post(api("duty-officer"), alert(800).encode())
    assert response.status_code == 400
    assert f"at most {MAX_INFOS}" in response.json()["errors"][0]["message_en"]
    assert not Lead.objects.exists() and not RawMessage.objects.exists()


@pytest.mark.django_db
def test_the_raw_message_is_stored_once_for_all_its_leads_and_a_resend_files_nothing_new(api):
    from dutyroom.leads.models import Lead, RawMessage

    body = alert(MAX_INFOS).encode()
    first = post(api("duty-officer"), body)
    assert first.status_code == 201 and len(first.json()) == MAX_INFOS
    raw = RawMessage.objects.get()
    assert bytes(raw.body) == body
    assert set(Lead.objects.values_list("raw", flat=True)) == {""}  # no per-lead copy of the message
    assert Lead.objects.filter(raw_message=raw).count() == MAX_INFOS
    again = post(api("duty-officer"), body)
    assert again.status_code == 201
    assert [lead["id"] for lead in again.json()] == [lead["id"] for lead in first.json()]
    assert Lead.objects.count() == MAX_INFOS


def test_a_maximal_import_leaves_every_later_lead_a_bounded_text_to_compare_with(api):
    """Each lead is every later lead's duplicate candidate for hours: a message filling the body limit must not
    make each of them count tens of thousands of characters. The stored signature is the text's opening, and a
    later lead that repeats that opening is still found as its duplicate."""
    from dutyroom.leads.cap import MAX_BYTES
    from dutyroom.leads.models import Lead
    from dutyroom.leads.similarity import SHINGLE_CHARS

    opening = "浏河镇新闸路化工企业储罐泄漏，现场有刺鼻气味，周边居民已疏散。"
    bare = len(alert(MAX_INFOS, identifier="CN-TC-BIG", description=opening).encode())
    filler = opening + "汛" * ((MAX_BYTES - bare) // MAX_INFOS // 3)
    # sent now: the later lead is only a duplicate of an alert about the same hours
    sent_now = clock_now().isoformat(timespec="seconds")
    message = alert(MAX_INFOS, identifier="CN-TC-BIG", description=filler).replace(SENT, sent_now)
    assert post(api("duty-officer"), message.encode()).status_code == 201
    assert max(len(lead.text) for lead in Lead.objects.all()) > 5 * SHINGLE_CHARS
    assert all(len(lead.shingles) <= SHINGLE_CHARS for lead in Lead.objects.all())
    later = api("grid-liuhe").post(
        "/leads", {"channel": "grid", "title": "太仓市气象台发布暴雨橙色预警0", "text": opening, "area": "liuhe"}
    )
    assert later.status_code == 201 and later.json_body["duplicates"]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["grid-shaxi", "shaxi-reporter", "propaganda-reporter", "assessor", "admin"])
def test_only_the_duty_room_imports_cap(api, who):
    from dutyroom.leads.models import Lead

    assert post(api(who), alert(1).encode()).status_code == 403
    assert not Lead.objects.exists()
    assert post(api("duty-leader"), alert(1).encode()).status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_cap_with_a_doctype_is_refused_with_a_400(api, encoding):
    doctype = f'<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE alert [<!ENTITY x "{"x" * 50}">]>'
    body = (doctype + alert(1).replace("<identifier>", "<identifier>&x;")).encode(encoding)
    response = post(api("duty-officer"), body)
    assert response.status_code == 400
    assert "DOCTYPE" in response.json()["errors"][0]["message_en"]


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["gb2312", "gbk", "utf-16", "utf-16-be", "utf-8"])
def test_the_evidence_copy_of_a_non_utf8_message_reads_back_as_sent(api, encoding):
    from dutyroom.leads.models import Lead, RawMessage

    declared = {"utf-16-be": "UTF-16"}.get(encoding, encoding.upper())
    text = f'<?xml version="1.0" encoding="{declared}"?>\n' + alert(1)
    body = text.encode(encoding)
    response = post(api("duty-officer"), body)
    assert response.status_code == 201, response.content
    lead = Lead.objects.get()
    assert lead.title == "太仓市气象台发布暴雨橙色预警0" and "50毫米" in lead.text
    raw = RawMessage.objects.get()
    assert bytes(raw.body) == body  # kept as received
    assert raw.text.lstrip("\ufeff") == text and "<event>暴雨</event>" in raw.text


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "sqlite", reason="the single writer of SQLite is what an import held")
def test_a_units_report_filed_during_a_maximal_import_succeeds(city):
    """The largest message the limits allow (every info block, the body limit filled), and the 800-block one
    that used to hold the writer for a minute, imported while a town files follow-ups: every report commits."""
    from dutyroom.accounts.models import User
    from dutyroom.common.errors import ValidationFailed
    from dutyroom.incidents.services import IncidentInput, incident_create
    from dutyroom.leads.cap import MAX_BYTES
    from dutyroom.leads.intake import cap_import
    from dutyroom.leads.models import Lead
    from dutyroom.reports.models import Report
    from dutyroom.reports.services import ReportInput, report_submit

    officer = User.objects.get(username="duty-officer")
    reporter = User.objects.get(username="liuhe-reporter")
    now = datetime.now(UTC)
    incident = incident_create(
        actor=reporter,
        now=now,
        data=IncidentInput(
            title="浏河镇仓库火灾",
            category="accident",
            subtype="fire",
            grade="IV",
            occurred_at=now - timedelta(minutes=5),
        ),
    )
    report_submit(actor=reporter, incident=incident, data=ReportInput(kind="written", summary="首报"), now=now)
    bare = len(alert(MAX_INFOS, identifier="CN-TC-MAX", description="").encode())
    filler = "汛" * ((MAX_BYTES - bare) // MAX_INFOS // 3)
    maximal = alert(MAX_INFOS, identifier="CN-TC-MAX", description=filler).encode()
    assert MAX_BYTES - 100 < len(maximal) <= MAX_BYTES
    done = threading.Event()
    failures: list[BaseException] = []
    refused: list[ValidationFailed] = []

    def importer() -> None:
        try:
            try:
                cap_import(actor=officer, body=alert(800, identifier="CN-TC-800").encode(), now=datetime.now(UTC))
            except ValidationFailed as error:
                refused.append(error)
            cap_import(actor=officer, body=maximal, now=datetime.now(UTC))
        except BaseException as error:
            failures.append(error)
        finally:
            done.set()
            connections.close_all()

    filed = 0

    def reporting() -> None:
        nonlocal filed
        try:
            while not done.is_set() or filed == 0:
                report_submit(
                    actor=reporter,
                    incident=incident,
                    data=ReportInput(kind="followup", summary="续报"),
                    now=datetime.now(UTC),
                )
                filed += 1
        except BaseException as error:
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=importer), threading.Thread(target=reporting)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(refused) == 1
    assert Lead.objects.filter(raw_message__isnull=False).count() == MAX_INFOS
    assert Report.objects.filter(incident=incident, kind="followup").count() == filed

"""The 专报 as a leader reads it, opened as Word and as PDF: signed, numbered all the way, with the answer to a
核报, and "不详" where a figure was never reported."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from docx import Document

from tests.documents.test_special_report import docx_text, pdf_text

pytestmark = pytest.mark.django_db
SECTIONS = (
    "基本情况",
    "首报情况",
    "续报情况",
    "终报情况",
    "核报情况",
    "领导批示及落实情况",
    "伤亡和损失情况",
    "事件时间线",
)
NUMERALS = "一二三四五六七八九十"


def ago(minutes: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat()


def full_incident(api) -> int:
    reporter, officer = api("shaxi-reporter"), api("duty-officer")
    body = {
        "title": "沙溪镇仓库火灾",
        "category": "accident",
        "subtype": "fire",
        "grade": "IV",
        "occurred_at": ago(90),
        "location": {"area": "shaxi", "address": "沙溪镇白云路1号"},
        "report": {
            "kind": "written",
            "summary": "仓库起火，消防已到场。",
            "signer": "李镇长",
            "casualties": {"deaths": 0, "injuries": 2},
        },
    }
    incident = reporter.post("/incidents", body).json_body["id"]
    assert (
        reporter.post(
            f"/incidents/{incident}/reports",
            {"kind": "followup", "summary": "明火扑灭。", "casualties": {"serious_injuries": 1}},
        ).status_code
        == 201
    )
    request = officer.post(
        "/verification-requests",
        {"unit": "shaxi", "authority": "suzhou", "question": "请核实仓库内是否存放危险化学品", "incident": incident},
    )
    assert request.status_code == 201, request.json_body
    reply = reporter.post(
        f"/incidents/{incident}/reports",
        {
            "kind": "verification_reply",
            "verification_request": request.json_body["id"],
            "summary": "经核实，仓库内未存放危险化学品",
        },
    )
    assert reply.status_code == 201, reply.json_body
    instruction = officer.post(
        f"/incidents/{incident}/instructions",
        {
            "leader": "王市长",
            "text": "全力救治伤员，查明起火原因。",
            "units": ["shaxi"],
            "due_at": (datetime.now(UTC) + timedelta(hours=2)).isoformat(),
        },
    )
    assert instruction.status_code == 201, instruction.json_body
    final = reporter.post(
        f"/incidents/{incident}/reports",
        {"kind": "final", "summary": "善后完毕，起火原因为电线老化。", "casualties": {"deaths": 0}},
    )
    assert final.status_code == 201, final.json_body
    return incident


def headings(text: str) -> list[str]:
    return [line for line in text.splitlines() if any(line.endswith(title) for title in SECTIONS)]


def test_the_officer_issued_special_report_is_signed_numbered_and_answers_the_verification(api):
    incident = full_incident(api)
    content = api("duty-officer").get(f"/incidents/{incident}/document?format=docx").content
    text = docx_text(content)
    # an officer issued it: the leader who signed the report chain signs the 专报
    assert "签发人：李镇长" in text
    # every section heading numbered, in order, with no gap and none left unnumbered
    found = headings(text)
    assert [title for title in SECTIONS if any(h.endswith(title) for h in found)] == list(SECTIONS)
    assert found == [f"{NUMERALS[i]}、{title}" for i, title in enumerate(SECTIONS)]
    # the 核报: the question and the unit's answer
    assert "苏州市要求核报：请核实仓库内是否存放危险化学品" in text
    assert "经核实，仓库内未存放危险化学品" in text
    assert text.index("核报情况") < text.index("经核实，仓库内未存放危险化学品") < text.index("领导批示及落实情况")


def test_blank_figures_print_unknown_and_the_incident_keeps_the_last_reported_ones(api):
    incident = full_incident(api)
    content = api("duty-officer").get(f"/incidents/{incident}/document?format=docx").content
    doc = Document(io.BytesIO(content))
    rows = [[cell.text for cell in row.cells] for row in doc.tables[0].rows]
    final = next(row for row in rows if row[0] == "终报")
    assert final[2] == "0"  # deaths: reported as 0
    assert final[6] == "不详" and final[5] == "不详"  # injuries and serious injuries: not in the final report
    assert "0" not in final[3:9]  # nothing but the reported death count reads as a number
    # the incident's figures: each from the latest report that stated it
    text = docx_text(content)
    assert "死亡0人" in text and "重伤1人" in text and "轻伤2人" in text and "直接经济损失不详" in text


def test_the_pdf_says_the_same(api):
    incident = full_incident(api)
    response = api("duty-officer").get(f"/incidents/{incident}/document?format=pdf")
    text = pdf_text(response.content)
    assert "签发人：李镇长" in text
    assert "经核实，仓库内未存放危险化学品" in text
    assert "轻伤2人" in text and "不详" in text
    numbered = re.findall(r"([一二三四五六七八九十])、(" + "|".join(SECTIONS) + ")", text)
    assert [title for _n, title in numbered] == list(SECTIONS)
    assert "".join(n for n, _t in numbered) == NUMERALS[: len(SECTIONS)]

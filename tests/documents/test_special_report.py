"""值班信息专报: numbered, signed, built from the report chain, opened as Word and as PDF and read back."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from docx import Document

from dutyroom.documents.models import SpecialReport

pytestmark = pytest.mark.django_db
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "documents"


def ago(minutes: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat()


def incident_with_chain(api, **overrides) -> int:
    body = {
        "title": "沙溪镇化工厂爆炸",
        "category": "accident",
        "subtype": "hazardous_chemicals",
        "grade": "III",
        "occurred_at": ago(120),
        "location": {"area": "shaxi", "address": "沙溪镇沿江路8号"},
        "report": {
            "kind": "written",
            "summary": "化工厂储罐爆炸起火，消防已到场。",
            "signer": "张镇长",
            "contact_name": "王五",
            "contact_phone": "13800000000",
            "casualties": {"deaths": 1, "serious_injuries": 4, "injuries": 6},
        },
    }
    body.update(overrides)
    reporter = api("shaxi-reporter")
    incident = reporter.post("/incidents", body).json_body["id"]
    reporter.post(
        f"/incidents/{incident}/reports",
        {"kind": "followup", "summary": "明火已扑灭，搜救继续。", "casualties": {"deaths": 3, "serious_injuries": 5}},
    )
    reporter.post(
        f"/incidents/{incident}/reports",
        {"kind": "followup", "summary": "搜救结束，无新增伤亡。", "casualties": {"deaths": 3, "serious_injuries": 5}},
    )
    reporter.post(
        f"/incidents/{incident}/reports",
        {
            "kind": "final",
            "summary": "事故原因为储罐超压，善后完毕。",
            "casualties": {"deaths": 3, "serious_injuries": 5},
        },
    )
    return incident


def docx_text(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    return "\n".join(parts)


def pdf_text(content: bytes, png: Path | None = None) -> str:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(content)
    if png is not None:
        png.parent.mkdir(parents=True, exist_ok=True)
        pdf[0].render(scale=1.5).to_pil().save(png)
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    return re.sub(r"\s", "", text)  # lines wrap inside paragraphs on paper


EXPECTED = [
    "值班信息专报",
    "签发人：",
    "沙溪镇化工厂爆炸",
    "化工厂储罐爆炸起火",
    "续报一",
    "明火已扑灭",
    "续报二",
    "终报",
    "储罐超压",
    "伤亡和损失情况",
    "事件时间线",
    "事件发生",
    "内部",
]


def test_word_special_report_has_number_signer_chain_casualties_and_timeline(api):
    incident = incident_with_chain(api)
    response = api("duty-leader").get(f"/incidents/{incident}/document?format=docx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    text = docx_text(response.content)
    year = datetime.now(UTC).astimezone().year
    assert f"〔{year}〕第1期" in text
    for phrase in EXPECTED:
        assert phrase in text, phrase
    assert text.index("续报一") < text.index("续报二") < text.index("储罐超压")
    # the casualties table: a header row and one row per report with figures
    doc = Document(io.BytesIO(response.content))
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells][:3] == ["报告", "接收时间", "死亡"]
    assert [row.cells[2].text for row in table.rows[1:]] == ["1", "3", "3", "3"]
    # the leader issued it, so the leader signs it
    issue = SpecialReport.objects.get(incident_id=incident)
    assert issue.signer and f"签发人：{issue.signer}" in text
    (ARTIFACTS).mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "special-report.docx").write_bytes(response.content)


def test_pdf_special_report_renders_chinese_and_a_page_is_saved_as_png(api):
    incident = incident_with_chain(api)
    response = api("duty-officer").get(f"/incidents/{incident}/document?format=pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    (ARTIFACTS).mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "special-report.pdf").write_bytes(response.content)
    text = pdf_text(response.content, ARTIFACTS / "special-report-page1.png")
    for phrase in EXPECTED:
        assert phrase in text, phrase
    assert (ARTIFACTS / "special-report-page1.png").stat().st_size > 10_000


def test_numbers_run_per_year_and_every_issue_keeps_its_own(api):
    first = incident_with_chain(api)
    second = incident_with_chain(api, title="浮桥镇仓库火灾")
    officer = api("duty-officer")
    assert officer.get(f"/incidents/{first}/document?format=docx").status_code == 200
    assert officer.get(f"/incidents/{second}/document?format=docx").status_code == 200
    again = officer.post(f"/incidents/{first}/special-reports", {"signer": "陈副市长"})
    assert again.status_code == 201
    numbers = [i["sequence"] for i in officer.get(f"/incidents/{first}/special-reports").json_body]
    assert numbers == [3, 1]
    text = docx_text(officer.get(f"/incidents/{first}/document?format=docx").content)
    assert "第3期" in text and "签发人：陈副市长" in text
    # printing again does not take a new number
    assert SpecialReport.objects.count() == 3


def test_work_secret_incident_is_marked_and_public_one_is_not(api):
    secret = incident_with_chain(api, classification="work_secret")
    public = incident_with_chain(api, classification="public", title="公开事件")
    officer = api("duty-officer")
    assert "工作秘密" in docx_text(officer.get(f"/incidents/{secret}/document?format=docx").content)
    text = docx_text(officer.get(f"/incidents/{public}/document?format=docx").content)
    assert "内部" not in text.splitlines()[0] and "工作秘密" not in text


def test_only_the_duty_room_issues_and_others_see_404_or_403(api):
    incident = incident_with_chain(api)
    assert api("shaxi-reporter").get(f"/incidents/{incident}/document?format=docx").status_code == 403
    assert api("fuqiao-reporter").get(f"/incidents/{incident}/document?format=pdf").status_code == 404
    assert api("shaxi-reporter").post(f"/incidents/{incident}/special-reports", {}).status_code == 403
    api("duty-officer").get(f"/incidents/{incident}/document?format=docx")
    # once issued, the unit that may see the incident may read it
    assert api("shaxi-reporter").get(f"/incidents/{incident}/document?format=docx").status_code == 200


def test_unknown_format_is_a_400_naming_the_field(api):
    incident = incident_with_chain(api)
    response = api("duty-officer").get(f"/incidents/{incident}/document?format=odt")
    assert response.status_code == 400
    assert "format" in str(response.json_body)

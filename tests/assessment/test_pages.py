"""Assessment pages and the Word 通报: opened and read, as a person would."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from docx import Document

from tests.assessment.conftest import OCT

pytestmark = pytest.mark.django_db
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def login(city: None) -> Callable[[str], Client]:
    from dutyroom.accounts.models import User

    def make(name: str) -> Client:
        client = Client()
        client.force_login(User.objects.get(username=name))
        return client

    return make


def text_of(response: Any) -> str:
    return response.content.decode()


def test_the_ranking_page_shows_both_groups_and_a_chart_fed_by_json(
    login: Callable[[str], Client], october: dict[str, Any]
) -> None:
    page = login("assessor").get(f"/assessment/?period={OCT.code}")
    html = text_of(page)
    assert page.status_code == 200
    assert "沙溪镇" in html and "公安局" in html and "2026年10月" in html
    assert 'id="assessment-chart-data" type="application/json"' in html
    assert "echarts/echarts.min.js" in html and "<script>" not in html  # no inline script


def test_a_units_ledger_explains_every_point(login: Callable[[str], Client], october: dict[str, Any]) -> None:
    html = text_of(login("shaxi-leader").get(f"/assessment/units/shaxi/?period={OCT.code}"))
    assert "沙溪镇厂房火灾：首报迟报 15 分钟" in html or "迟报 15 分钟" in html
    assert "认定谎报" in html and "被苏州市采用" in html and ">97<" in html
    assert login("shaxi-leader").get(f"/assessment/units/liuhe/?period={OCT.code}").status_code == 404


def test_a_correction_is_marked_in_the_old_period(login: Callable[[str], Client], october: dict[str, Any]) -> None:
    html = text_of(login("assessor").get(f"/assessment/units/liuhe/?period={OCT.code}"))
    assert 'class="correction"' in html and "更正" in html


def test_the_unit_appeals_and_the_assessor_decides_through_the_forms(
    login: Callable[[str], Client], october: dict[str, Any]
) -> None:
    from dutyroom.accounts.models import User
    from dutyroom.assessment.services import FindingInput, finding_raise
    from dutyroom.common.clock import now as clock_now

    finding = finding_raise(
        actor=User.objects.get(username="assessor"),
        incident=october["A"],
        now=clock_now(),
        data=FindingInput(unit="shaxi", kind="omitted", evidence="未报送续报"),
    )
    unit = login("shaxi-reporter")
    assert 'id="appeal-form"' in text_of(unit.get(f"/findings/{finding.pk}/"))
    unit.post(f"/findings/{finding.pk}/", {"action": "appeal", "text": "当时平台故障，已电话报告"})
    finding.refresh_from_db()
    assert finding.state == "appealed"
    login("assessor").post(f"/findings/{finding.pk}/", {"action": "decide", "upheld": "false", "reason": "情况属实"})
    finding.refresh_from_db()
    assert finding.state == "rejected"
    history = text_of(login("duty-officer").get(f"/incidents/{finding.incident_id}/"))
    assert "单位申诉" in history and "考评决定" in history


def test_the_notice_is_a_word_document_that_names_ranks_and_facts(
    login: Callable[[str], Client], october: dict[str, Any]
) -> None:
    response = login("assessor").get(f"/assessment/notice.docx?period={OCT.code}")
    assert response.status_code == 200
    document = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert "关于2026年10月突发事件信息报送工作情况的通报" in text
    assert "太政办考〔" in text and "太仓市人民政府办公室" in text
    assert "予以通报批评的单位及事实" in text
    assert "沙溪镇厂房火灾：" in text and "迟报 15 分钟" in text
    assert {"沙溪镇人民政府", "97", "市公安局"} <= set(cells)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "notice-2026-10.docx").write_bytes(response.content)  # for a person to open
    assert login("shaxi-leader").get(f"/assessment/notice.docx?period={OCT.code}").status_code == 404


def test_the_notice_as_pdf_reads_in_chinese_and_a_page_is_rendered_for_a_person(
    login: Callable[[str], Client], october: dict[str, Any]
) -> None:
    import pypdfium2

    response = login("assessor").get(f"/assessment/notice.pdf?period={OCT.code}")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = pypdfium2.PdfDocument(response.content)
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert "关于2026年10月突发事件信息报送工作情况的通报" in text  # real CJK glyphs, not boxes or blanks
    assert "沙溪镇人民政府" in text and "迟报 15 分钟" in text and "太仓市人民政府办公室" in text
    ARTIFACTS.mkdir(exist_ok=True)
    pdf[0].render(scale=1.5).to_pil().save(ARTIFACTS / "notice-2026-10-page1.png")
    (ARTIFACTS / "notice-2026-10.pdf").write_bytes(response.content)


def test_the_table_exports_to_xlsx(login: Callable[[str], Client], october: dict[str, Any]) -> None:
    from openpyxl import load_workbook

    response = login("assessor").get(f"/assessment/notice.xlsx?period={OCT.code}")
    book = load_workbook(io.BytesIO(response.content))
    rows = {row[1]: row for row in book["镇（区）、街道"].iter_rows(min_row=2, values_only=True)}
    assert rows["shaxi"][3] == 97 and rows["liuhe"][3] == 94.5 and rows["liuhe"][0] == 12
    assert next(r[1] for r in book["部门"].iter_rows(min_row=2, values_only=True)) == "police"


def test_the_assessor_raises_a_finding_and_records_an_adoption_through_forms(
    login: Callable[[str], Client], october: dict[str, Any]
) -> None:
    from dutyroom.assessment.models import Adoption, Finding

    assessor = login("assessor")
    incident = october["C"].pk
    response = assessor.post(
        "/findings/new/", {"incident": incident, "unit": "shaxi", "kind": "concealed", "evidence": "网格员先于单位上报"}
    )
    finding = Finding.objects.get(kind="concealed", incident_id=incident)
    assert response.status_code == 302 and response["Location"] == f"/findings/{finding.pk}/"
    again = assessor.post("/adoptions/new/", {"incident": incident, "unit": "shaxi", "by": "jiangsu", "note": ""})
    assert again.status_code == 302 and Adoption.objects.filter(incident_id=incident, by="jiangsu").count() == 1
    twice = assessor.post("/adoptions/new/", {"incident": incident, "unit": "shaxi", "by": "jiangsu", "note": ""})
    assert twice.status_code == 200 and "已登记过" in twice.content.decode()
    drill = assessor.post(
        "/findings/new/", {"incident": october["D"].pk, "unit": "shaxi", "kind": "omitted", "evidence": "x"}
    )
    assert "演练事件不计入考评" in drill.content.decode()
    assert login("shaxi-leader").get("/findings/new/").status_code == 403


def test_the_assessment_pages_in_english(login: Callable[[str], Client], october: dict[str, Any]) -> None:
    from django.conf import settings

    client = login("assessor")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = text_of(client.get(f"/assessment/?period={OCT.code}"))
    assert "Towns, zones and subdistricts" in html and "Rank" in html and "First-report delays" in html
    html = text_of(client.get(f"/assessment/units/liuhe/?period={OCT.code}"))
    assert "Points ledger" in html and "Correction" in html
    assert "Findings and appeals" in text_of(client.get("/findings/"))

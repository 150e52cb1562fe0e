"""The town-level 通报: 沙溪's duty room issues the monthly notice for the units that report to it, as Word, PDF
and Excel, read back here as a reader would (python-docx, pypdfium2, openpyxl). Both engines."""

from __future__ import annotations

import io

import pypdfium2
import pytest
from django.test import Client
from docx import Document
from openpyxl import load_workbook

from dutyroom.accounts.models import Role
from dutyroom.accounts.services import user_add
from dutyroom.assessment.access import Level, assessed_units
from dutyroom.assessment.notice import notice_content
from dutyroom.assessment.scores import assessment_for
from dutyroom.assessment.services import FindingInput, finding_decide, finding_raise
from dutyroom.orgs.models import Unit
from tests.levels.test_town_assessment import EVALUATED, OCT, t, village_incident, who

pytestmark = pytest.mark.django_db

PERIOD = "?period=2026-10&assessed_by=shaxi"


@pytest.fixture
def month(city: None) -> None:
    """涂松村 late to the town; 泥桥村 on time but found to have concealed another incident (upheld); 印溪社区 on
    time and clean; the enterprise idle. 沙溪 passed everything on to the city in time."""
    village_incident("shaxi-tusong", t(5), village_after=60, town_after=30)
    village_incident("shaxi-niqiao", t(6), village_after=10, town_after=30)
    village_incident("shaxi-yinxi", t(7), village_after=10, town_after=30)
    hidden = village_incident("shaxi-niqiao", t(9), village_after=None, town_after=30)
    finding = finding_raise(
        actor=who("shaxi-duty"),
        incident=hidden,
        now=t(10),
        data=FindingInput(unit="shaxi-niqiao", kind="concealed", evidence="群众来电在先，村未报告"),
    )
    leader = user_add(
        username="shaxi-leader-duty", role=Role.DUTY_LEADER, unit_code="shaxi", password=None, now=EVALUATED
    )
    finding_decide(actor=leader, finding=finding, upheld=True, reason="属实", now=t(25))


def _download(user: str, fmt: str, query: str = PERIOD) -> bytes:
    client = Client()
    client.force_login(who(user))
    response = client.get(f"/assessment/notice.{fmt}{query}")
    assert response.status_code == 200, (user, fmt, response.status_code)
    return response.content


def test_the_town_notice_names_the_town_its_units_only_and_never_praises_whom_it_criticises(month: None) -> None:
    level = Level(Unit.objects.get(code="shaxi"))
    table = assessment_for(OCT, assessed_units(level), EVALUATED, with_points=True, level=level)
    notice = notice_content(table, number="1", issuer="沙溪镇人民政府", now=EVALUATED)
    assert notice.title.startswith("沙溪镇关于2026年10月")
    names = {row[1] for _heading, rows in notice.groups for row in rows}
    assert names == {u.name for u in Unit.objects.filter(code__startswith="shaxi-")}
    criticised = {text.split("（")[0] for text, _facts in notice.criticised}
    assert "涂松村村民委员会" in criticised and "泥桥村村民委员会" in criticised
    assert notice.commended == ["印溪社区居民委员会"]
    assert not set(notice.commended) & criticised


def test_the_town_duty_room_downloads_its_notice_as_word_pdf_and_excel(month: None) -> None:
    docx = Document(io.BytesIO(_download("shaxi-duty", "docx")))
    text = "\n".join(p.text for p in docx.paragraphs)
    cells = {c.text for table in docx.tables for row in table.rows for c in row.cells}
    assert "沙溪镇关于2026年10月突发事件信息报送工作情况的通报" in text
    assert "各村（社区）考评排名" in text and "沙溪镇人民政府" in text  # the signature
    assert "涂松村村民委员会" in cells and "城厢镇人民政府" not in cells and "沙溪镇人民政府" not in cells
    praised, blamed = text.split("三、予以通报表扬的单位")[1].split("四、予以通报批评的单位及事实")
    assert "印溪社区" in praised and "涂松村" not in praised and "泥桥村" not in praised
    assert "涂松村" in blamed and "泥桥村" in blamed and "印溪社区" not in blamed
    assert "认定瞒报" in blamed

    pdf = pypdfium2.PdfDocument(_download("shaxi-duty", "pdf"))
    pdf_text = "".join(page.get_textpage().get_text_range() for page in pdf).replace("\r", "").replace("\n", "")
    assert "沙溪镇关于2026年10月" in pdf_text and "涂松村" in pdf_text and "城厢镇" not in pdf_text

    workbook = load_workbook(io.BytesIO(_download("shaxi-duty", "xlsx")))
    assert workbook.sheetnames == ["村、社区", "企业、站所"]
    listed = {row[1] for sheet in workbook for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert listed == {"shaxi-tusong", "shaxi-niqiao", "shaxi-yinxi", "shaxi-chem"}


def test_the_city_notice_is_the_citys_and_a_town_cannot_issue_another_level(month: None) -> None:
    docx = Document(io.BytesIO(_download("duty-officer", "docx", "?period=2026-10")))
    text = "\n".join(p.text for p in docx.paragraphs)
    assert text.startswith("关于2026年10月") and "太仓市人民政府办公室" in text
    cells = {c.text for table in docx.tables for row in table.rows for c in row.cells}
    assert "沙溪镇人民政府" in cells and "涂松村村民委员会" not in cells and "认定瞒报" not in text
    # the city office may draft a town's notice too (it sees every level)
    assert "沙溪镇关于" in "\n".join(p.text for p in Document(io.BytesIO(_download("assessor", "docx"))).paragraphs)
    for user, query in (
        ("shaxi-duty", "?period=2026-10&assessed_by=duty-room"),
        ("shaxi-tusong-reporter", PERIOD),
        ("shaxi-reporter", PERIOD),
    ):
        client = Client()
        client.force_login(who(user))
        assert client.get(f"/assessment/notice.docx{query}").status_code == 404, user

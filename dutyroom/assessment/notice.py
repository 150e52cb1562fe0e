"""The monthly notice (通报) of commendation and criticism, drafted from the assessment, as a Word document
(python-docx) and a PDF (WeasyPrint, with the system's CJK font), plus the ranking table as XLSX (openpyxl).

The wording is computed once (``notice_content``) so the Word and PDF drafts always say the same: title,
document number, period, ranking per peer group, commended units, criticised units with the facts
(incident, delay, finding) taken from their ledgers, and the signature block. The office edits and issues it.

A town's duty room issues its own (分级管理): the same document over its own assessment (the units that report
to it, scored on the clocks owed to it), titled, addressed and signed by the town (``LevelWording``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from dutyroom.assessment.access import Level
from dutyroom.assessment.scores import Assessment, UnitRow
from dutyroom.assessment.scores import commended as commended_rows
from dutyroom.common.timefmt import LOCAL

GROUP_NAMES = {"territorial": "镇（区）、街道", "department": "市各有关部门"}
#: A town's peer groups (``scores.peer_group`` at a town's level).
TOWN_GROUP_NAMES = {"territorial": "各村（社区）", "department": "辖区企业、站所"}
SHEET_NAMES = {"territorial": "镇（区）、街道", "department": "部门"}
TOWN_SHEET_NAMES = {"territorial": "村、社区", "department": "企业、站所"}


@dataclass(frozen=True)
class LevelWording:
    """Who issues the notice, to whom, and in whose name: the city's office, or a town's duty room."""

    title_prefix: str
    addressees: str
    assessor: str
    scope: str
    groups: dict[str, str]


CITY_WORDING = LevelWording(
    title_prefix="",
    addressees="各镇人民政府，太仓港经济技术开发区、太仓高新区、科教新城、旅游度假区管委会，娄东街道办事处，"
    "市各有关部门和单位：",
    assessor="市政府办公室",
    scope="各地各部门",
    groups=GROUP_NAMES,
)


def town_short_name(name: str) -> str:
    """沙溪镇人民政府 → 沙溪镇: the town as a title names it."""
    for suffix in ("人民政府", "办事处", "管委会", "管理委员会"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name.removesuffix(suffix)
    return name


def level_wording(level: Level) -> LevelWording:
    if level.room is None:
        return CITY_WORDING
    town = town_short_name(level.room.name)
    return LevelWording(
        title_prefix=town,
        addressees="各村（居）民委员会，辖区各有关企业和单位：",
        assessor=f"{town}值班室",
        scope="本镇各村（社区）、企业",
        groups=TOWN_GROUP_NAMES,
    )


def level_issuer(level: Level) -> tuple[str, str]:
    """The issuer's name and the document number's prefix (the office edits the number before issuing)."""
    if level.room is None:
        return "太仓市人民政府办公室", "太政办考"
    town = town_short_name(level.room.name)
    return level.room.name, f"{town.removesuffix('镇')}政办考"


FONT = "SimSun"
HEADERS = ("名次", "单位", "得分", "等次", "首报及时率", "迟报/缺报")


@dataclass
class Notice:
    title: str
    number: str
    addressees: str
    intro: str
    groups: list[tuple[str, list[tuple[str, ...]]]]
    commended: list[str]
    criticised: list[tuple[str, list[str]]]
    closing: str
    issuer: str
    date: str


def _cells(row: UnitRow) -> tuple[str, ...]:
    rate = "—" if row.on_time_rate is None else f"{row.on_time_rate:.0%}"
    return (
        str(row.rank),
        row.unit.name,
        f"{row.score.normalize():f}",
        row.grade.label,
        rate,
        f"{row.first_reports['late']}/{row.first_reports['missing']}",
    )


def _facts(row: UnitRow) -> list[str]:
    """The facts behind a criticism, one sentence each, from the unit's ledger (the ten worst)."""
    lines = sorted(
        (line for line in row.points or () if line.delta < 0 and line.kind not in ("base", "floor")),
        key=lambda line: line.delta,
    )
    return [line.reason for line in lines[:10]]


def notice_content(assessment: Assessment, *, number: str, issuer: str, now: datetime) -> Notice:
    """The notice's wording; ``assessment`` must carry points (``with_points=True``). Worded for its level."""
    label = assessment.period.label_zh()
    wording = level_wording(assessment.level)
    order = ["一", "二"]
    groups: list[tuple[str, list[tuple[str, ...]]]] = []
    for group in ("territorial", "department"):
        rows = [r for r in assessment.rows if r.group == group]
        if rows:
            groups.append((f"{order[len(groups)]}、{wording.groups[group]}考评排名", [_cells(r) for r in rows]))
    # both lists from the same rows: a criticised unit is never commended (scores.commended)
    commended = [r.unit.name for r in commended_rows(assessment.rows)]
    criticised = [
        (f"{r.unit.name}（得分 {r.score.normalize():f}）", _facts(r)) for r in assessment.rows if r.criticised
    ]
    return Notice(
        title=f"{wording.title_prefix}关于{label}突发事件信息报送工作情况的通报",
        number=number,
        addressees=wording.addressees,
        intro=f"根据《市政府办公室关于进一步加强突发事件信息报告工作的通知》要求，{wording.assessor}对"
        f"{wording.scope}{label}突发事件信息报送工作进行了考评（演练事件不计入），现将有关情况通报如下。",
        groups=groups,
        commended=commended,
        criticised=criticised,
        closing="请被通报批评的单位认真整改，严格执行信息报告时限要求，杜绝迟报、漏报、谎报、瞒报。",
        issuer=issuer,
        date=f"{now.astimezone(LOCAL):%Y年%-m月%-d日}",
    )


def _bold(document: DocxDocument, text: str, size: int = 12, center: bool = False) -> None:
    paragraph = document.add_paragraph()
    run = paragraph.add_run(text)
    run.bold = True
    run.font.size = Pt(size)
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER


def notice_docx(notice: Notice) -> bytes:
    document = Document()
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(12)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    _bold(document, notice.title, 16, center=True)
    document.add_paragraph(notice.number).alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph(notice.addressees)
    document.add_paragraph(notice.intro)
    for heading, rows in notice.groups:
        _bold(document, heading)
        table = document.add_table(rows=1, cols=len(HEADERS))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, HEADERS, strict=True):
            cell.text = text
        for values in rows:
            for cell, text in zip(table.add_row().cells, values, strict=True):
                cell.text = text
    _bold(document, "三、予以通报表扬的单位")
    document.add_paragraph("、".join(notice.commended) + "。" if notice.commended else "本期无。")
    _bold(document, "四、予以通报批评的单位及事实")
    if not notice.criticised:
        document.add_paragraph("本期无。")
    for unit, facts in notice.criticised:
        document.add_paragraph(unit + "：", style="List Bullet")
        for fact in facts:
            document.add_paragraph(fact, style="List Bullet 2")
    document.add_paragraph(notice.closing)
    document.add_paragraph(f"{notice.issuer}\n{notice.date}").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def notice_pdf(notice: Notice) -> bytes:
    """The same notice as PDF; the stylesheet names the Noto CJK fonts the set-up installs."""
    from django.template.loader import render_to_string
    from weasyprint import CSS, HTML

    html = render_to_string("assessment/notice_pdf.html", {"notice": notice, "headers": HEADERS})
    css = CSS(string=(Path(__file__).parent / "templates" / "assessment" / "notice_pdf.css").read_text("utf-8"))
    result: bytes = HTML(string=html).write_pdf(stylesheets=[css])
    return result


def table_xlsx(assessment: Assessment) -> bytes:
    """The ranking table with every count, one sheet per peer group."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    columns = (
        "名次",
        "单位代码",
        "单位",
        "得分",
        "等次",
        "首报及时",
        "首报迟报",
        "首报缺报",
        "核报及时",
        "核报迟报",
        "核报缺报",
        "续报缺报",
        "终报缺报",
        "漏报",
        "谎报",
        "瞒报",
        "违规渠道",
        "采用",
    )
    sheets = SHEET_NAMES if assessment.level.room is None else TOWN_SHEET_NAMES
    for group, title in sheets.items():
        sheet = workbook.create_sheet(title)
        sheet.append(columns)
        for r in (row for row in assessment.rows if row.group == group):
            sheet.append(
                (
                    r.rank,
                    r.unit.code,
                    r.unit.name,
                    float(r.score),
                    r.grade.label,
                    *r.first_reports.values(),
                    *r.verification_replies.values(),
                    r.followups_missing,
                    r.finals_missing,
                    r.findings["omitted"],
                    r.findings["false"],
                    r.findings["concealed"],
                    r.findings["forbidden_channel"],
                    r.adopted,
                )
            )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

"""The monthly notice (通报) of commendation and criticism as a Word document (python-docx), drafted from the
assessment: title, document number, period, ranking per peer group, commended units, criticised units with
the facts (incident, delay, finding), and the signature block. The assessment office edits and issues it.
"""

from __future__ import annotations

import io
from datetime import datetime

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from dutyroom.assessment.scores import Assessment, UnitRow
from dutyroom.common.timefmt import LOCAL

GROUP_NAMES = {"territorial": "镇（区）、街道", "department": "市各有关部门"}
FONT = "SimSun"


def _font(document: DocxDocument) -> None:
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(12)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)


def _criticised(row: UnitRow) -> list[str]:
    """The facts behind a criticism, one sentence each, from the unit's ledger."""
    facts = [line.reason for line in row.points or () if line.delta < 0 and line.kind not in ("base", "floor")]
    return facts[:10]


def _heading(document: DocxDocument, text: str, size: int = 12, center: bool = False) -> None:
    paragraph = document.add_paragraph()
    run = paragraph.add_run(text)
    run.bold = True
    run.font.size = Pt(size)
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _ranking(document: DocxDocument, rows: list[UnitRow]) -> None:
    table = document.add_table(rows=1, cols=6)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ["名次", "单位", "得分", "等次", "首报及时率", "迟报/缺报"],
                          strict=True):
        cell.text = text
    for row in rows:
        rate = "—" if row.on_time_rate is None else f"{row.on_time_rate:.0%}"
        values = [str(row.rank), row.unit.name, f"{row.score.normalize():f}", row.grade.label, rate,
                  f"{row.first_reports['late']}/{row.first_reports['missing']}"]
        for cell, text in zip(table.add_row().cells, values, strict=True):
            cell.text = text


def notice_docx(assessment: Assessment, *, number: str, issuer: str, now: datetime) -> bytes:
    """The draft 通报 for ``assessment`` (which must carry points), as .docx bytes."""
    period = assessment.period
    document = Document()
    _font(document)
    _heading(document, f"关于{period.label_zh()}突发事件信息报送工作情况的通报", 16, center=True)
    document.add_paragraph(number).alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph("各镇人民政府，太仓港经济技术开发区、太仓高新区、科教新城、旅游度假区管委会，"
                           "娄东街道办事处，市各有关部门和单位：")
    document.add_paragraph(
        f"根据《市政府办公室关于进一步加强突发事件信息报告工作的通知》要求，市政府办公室对各地各部门"
        f"{period.label_zh()}突发事件信息报送工作进行了考评（演练事件不计入），现将有关情况通报如下。")
    for group in ("territorial", "department"):
        rows = [r for r in assessment.rows if r.group == group]
        if not rows:
            continue
        _heading(document, f"一、{GROUP_NAMES[group]}考评排名" if group == "territorial"
                 else f"二、{GROUP_NAMES[group]}考评排名")
        _ranking(document, rows)
    commended = [r for r in assessment.rows if r.rank == 1 and r.first_reports["late"] == 0
                 and r.first_reports["missing"] == 0 and not any(r.findings[k] for k in ("omitted", "false",
                                                                                          "concealed"))]
    _heading(document, "三、予以通报表扬的单位")
    document.add_paragraph("、".join(r.unit.name for r in commended) + "。" if commended else "本期无。")
    criticised = [r for r in assessment.rows if r.first_reports["late"] or r.first_reports["missing"]
                  or any(r.findings[k] for k in ("omitted", "false", "concealed", "forbidden_channel"))]
    _heading(document, "四、予以通报批评的单位及事实")
    if not criticised:
        document.add_paragraph("本期无。")
    for row in criticised:
        document.add_paragraph(f"{row.unit.name}（得分 {row.score.normalize():f}）：", style="List Bullet")
        for fact in _criticised(row):
            document.add_paragraph(fact, style="List Bullet 2")
    document.add_paragraph("请被通报批评的单位认真整改，严格执行信息报告时限要求，杜绝迟报、漏报、谎报、瞒报。")
    signature = document.add_paragraph(f"{issuer}\n{now.astimezone(LOCAL):%Y年%-m月%-d日}")
    signature.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()

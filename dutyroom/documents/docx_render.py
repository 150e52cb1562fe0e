"""Word (.docx) rendering through python-docx, with the page and type of GB/T 9704.

A4, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm; 三号仿宋 body at a fixed 28.95 pt line (22
lines a page), 二号小标宋 title, 黑体 headings, a red masthead and separator line, "— 1 —" page numbers.
Each run names its East Asian font explicitly (``w:eastAsia``): Word ignores the Latin font name for Chinese.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph as DocxParagraph

from dutyroom.documents import fonts
from dutyroom.documents.layout import Heading, OfficialDocument, Paragraph, Table

TEXT_WIDTH_MM = 156


def _run(
    paragraph: DocxParagraph, text: str, family: list[str], size: float, *, bold: bool = False, red: bool = False
) -> None:
    run = paragraph.add_run(text)
    run.font.name = family[0]
    run.font.size = Pt(size)
    run.font.bold = bold
    if red:
        run.font.color.rgb = RGBColor.from_string(fonts.RED)
    r_pr = run._element.get_or_add_rPr()
    r_fonts = r_pr.find(qn("w:rFonts"))
    if r_fonts is None:
        r_fonts = OxmlElement("w:rFonts")
        r_pr.insert(0, r_fonts)
    for attr in ("w:eastAsia", "w:ascii", "w:hAnsi"):
        r_fonts.set(qn(attr), family[0])


def _paragraph(doc: object, *, align: WD_ALIGN_PARAGRAPH | None = None, indent: bool = False) -> DocxParagraph:
    paragraph: DocxParagraph = doc.add_paragraph()  # type: ignore[attr-defined]
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(fonts.LINE_PT)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    if align is not None:
        paragraph.alignment = align
    if indent:
        fmt.first_line_indent = Pt(fonts.BODY_PT * 2)
    return paragraph


def _red_rule(paragraph: DocxParagraph) -> None:
    """The red separator under the masthead (版头中的分隔线), as a paragraph bottom border."""
    p_pr = paragraph._element.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "12"), ("w:space", "1"), ("w:color", fonts.RED)):
        bottom.set(qn(key), value)
    borders.append(bottom)
    p_pr.append(borders)


def _page_number(paragraph: DocxParagraph) -> None:
    _run(paragraph, "— ", fonts.BODY, fonts.FOOTER_PT)
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            field = OxmlElement("w:fldChar")
            field.set(qn("w:fldCharType"), kind)
            run._element.append(field)
        else:
            instr = OxmlElement("w:instrText")
            instr.text = text
            run._element.append(instr)
    _run(paragraph, " —", fonts.BODY, fonts.FOOTER_PT)


def _page_setup(doc: object) -> None:
    section = doc.sections[0]  # type: ignore[attr-defined]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_number(footer)


def _masthead(doc: object, document: OfficialDocument) -> None:
    if document.classification:
        _run(_paragraph(doc), document.classification, fonts.HEADING, fonts.BODY_PT)
    _run(
        _paragraph(doc, align=WD_ALIGN_PARAGRAPH.CENTER),
        document.masthead,
        fonts.TITLE,
        fonts.MASTHEAD_PT,
        bold=True,
        red=True,
    )
    _run(_paragraph(doc, align=WD_ALIGN_PARAGRAPH.CENTER), document.number, fonts.BODY, fonts.BODY_PT)
    line = _paragraph(doc)
    line.paragraph_format.tab_stops.add_tab_stop(Mm(TEXT_WIDTH_MM), WD_TAB_ALIGNMENT.RIGHT)
    signer = f"\t签发人：{document.signer}" if document.signer else "\t签发人："
    _run(line, document.office, fonts.BODY, fonts.BODY_PT)
    _run(line, signer, fonts.BODY, fonts.BODY_PT)
    _red_rule(line)
    _paragraph(doc)
    _run(_paragraph(doc, align=WD_ALIGN_PARAGRAPH.CENTER), document.title, fonts.TITLE, fonts.TITLE_PT, bold=True)
    _paragraph(doc)


def _table(doc: object, table: Table) -> None:
    grid = doc.add_table(rows=1, cols=len(table.headers))  # type: ignore[attr-defined]
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(grid.rows[0].cells, table.headers, strict=True):
        _run(cell.paragraphs[0], text, fonts.HEADING, fonts.TABLE_PT)
    for row in table.rows:
        cells = grid.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            _run(cell.paragraphs[0], text, fonts.BODY, fonts.TABLE_PT)


def docx_bytes(document: OfficialDocument) -> bytes:
    doc = Document()
    _page_setup(doc)
    _masthead(doc, document)
    for block in document.blocks:
        if isinstance(block, Heading):
            _run(_paragraph(doc, indent=True), block.text, fonts.HEADING, fonts.BODY_PT)
        elif isinstance(block, Paragraph):
            _run(_paragraph(doc, indent=True), block.text, fonts.BODY, fonts.BODY_PT)
        else:
            _table(doc, block)
    _paragraph(doc)
    for line in [*document.closing, document.issued_on]:
        _run(_paragraph(doc, align=WD_ALIGN_PARAGRAPH.RIGHT), line, fonts.BODY, fonts.BODY_PT)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()

"""PDF rendering through WeasyPrint (HTML + CSS paged media), with the page and type of GB/T 9704.

Fonts come from fontconfig: 仿宋/小标宋/黑体 where installed, Noto CJK otherwise (see ``fonts``), so a server
without the official fonts still prints every Chinese character.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from dutyroom.documents import fonts
from dutyroom.documents.layout import Heading, OfficialDocument, Table


def stylesheet() -> str:
    body, title, heading = (fonts.css_family(f) for f in (fonts.BODY, fonts.TITLE, fonts.HEADING))
    return f"""
@page {{ size: A4; margin: 37mm 26mm 35mm 28mm;
  @bottom-center {{ content: "— " counter(page) " —"; font-family: {body}; font-size: {fonts.FOOTER_PT}pt; }} }}
body {{ font-family: {body}; font-size: {fonts.BODY_PT}pt; line-height: {fonts.LINE_PT}pt; margin: 0; }}
p {{ margin: 0; text-indent: 2em; text-align: justify; }}
.classification {{ font-family: {heading}; text-indent: 0; }}
.masthead-name {{ font-family: {title}; font-size: {fonts.MASTHEAD_PT}pt; color: #{fonts.RED}; text-align: center;
  letter-spacing: 0.1em; margin: 8mm 0 4mm 0; line-height: 1.2; }}
.number {{ text-align: center; text-indent: 0; }}
.office-line {{ text-indent: 0; display: flex; justify-content: space-between; border-bottom: 1.5pt solid #{fonts.RED};
  padding-bottom: 2mm; margin-bottom: {fonts.LINE_PT}pt; }}
.title {{ font-family: {title}; font-size: {fonts.TITLE_PT}pt; text-align: center; font-weight: bold;
  line-height: 1.4; margin: 0 0 {fonts.LINE_PT}pt 0; }}
h3 {{ font-family: {heading}; font-size: {fonts.BODY_PT}pt; font-weight: normal; margin: 0; text-indent: 2em; }}
table {{ border-collapse: collapse; width: 100%; font-size: {fonts.TABLE_PT}pt; line-height: 1.4; margin: 2mm 0; }}
th, td {{ border: 0.75pt solid #000; padding: 1mm; text-align: center; }}
th {{ font-family: {heading}; font-weight: normal; }}
.closing p {{ text-align: right; text-indent: 0; }}
.closing {{ margin-top: {fonts.LINE_PT}pt; }}
"""


def _blocks(document: OfficialDocument) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for block in document.blocks:
        if isinstance(block, Table):
            out.append({"kind": "table", "headers": block.headers, "rows": block.rows})
        else:
            out.append({"kind": "heading" if isinstance(block, Heading) else "paragraph", "text": block.text})
    return out


def html_of(document: OfficialDocument) -> str:
    return render_to_string("documents/official.html", {"doc": document, "blocks": _blocks(document)})


def pdf_bytes(document: OfficialDocument) -> bytes:
    from weasyprint import CSS, HTML  # heavy import: only when a PDF is asked for

    pdf: bytes = HTML(string=html_of(document)).write_pdf(stylesheets=[CSS(string=stylesheet())])
    return pdf

"""The stage report (阶段性舆情) as a Word document (python-docx), from the same dictionary the page shows.

Word has no ECharts, so the trend goes in as a table (one row per period, one column per series): the
numbers the chart draws, which is what a leader reading it on paper needs.
"""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt

KIND = {"term": "关注词", "word": "热词"}
REASON = {"burst": "突增", "sensitive": "敏感期命中"}
STATE = {"open": "待处理", "acknowledged": "已知悉", "verifying": "已转核实"}


def _table(document: Any, header: list[str], rows: list[list[object]]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = str(value)


def stage_docx(report: dict[str, Any], city: str = "太仓市") -> bytes:
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(11)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "SimSun")  # Chinese text needs the East Asian font slot
    document.add_heading(f"{city}阶段性舆情报告", level=0)
    document.add_paragraph(f"统计时段：{report['start']} 至 {report['end']}；线索 {report['leads']} 条。")
    document.add_heading("一、热点话题", level=1)
    _table(document, ["热词", "线索数"], [[h["word"], h["count"]] for h in report["hot_words"]])
    if report["watch_terms"]:
        document.add_paragraph("关注词命中：")
        _table(document, ["关注词", "线索数"], [[t["term"], t["count"]] for t in report["watch_terms"]])
    document.add_heading("二、趋势", level=1)
    trend = report["trend"]
    document.add_paragraph("按小时统计" if trend["unit"] == "hour" else "按日统计")
    names = [s["name"] for s in trend["series"]]
    _table(
        document,
        ["时段", *names],
        [[label, *(s["data"][i] for s in trend["series"])] for i, label in enumerate(trend["labels"])],
    )
    document.add_heading("三、值得关注的信息", level=1)
    if report["notable"]:
        _table(
            document,
            ["编号", "标题", "渠道", "关注级别", "接收时间"],
            [[n["id"], n["title"], n["channel"], n["watch_level"], n["received_at"]] for n in report["notable"]],
        )
    else:
        document.add_paragraph("本时段无。")
    document.add_heading("四、预警", level=1)
    if report["warnings"]:
        _table(
            document,
            ["话题", "类型", "原因", "条数", "基线", "z", "状态", "时间"],
            [
                [
                    w["topic"],
                    KIND.get(w["topic_kind"], w["topic_kind"]),
                    REASON.get(w["reason"], w["reason"]),
                    w["count"],
                    w["baseline"],
                    w["z"],
                    STATE.get(w["state"], w["state"]),
                    w["raised_at"],
                ]
                for w in report["warnings"]
            ],
        )
    else:
        document.add_paragraph("本时段无预警。")
    method = report["method"]
    document.add_paragraph(f"方法：热词 {method['hot_words']}；突发检测 {method['burst']}，参数 {method['params']}。")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()

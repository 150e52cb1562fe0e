"""Reading a town's villages from a file (CSV or XLSX): one unit per row, headers in Chinese or English.

Columns: code/代码, name/名称, kind/类型 (village, community, grid, enterprise, station, or 村/社区/网格/企业/站所),
optional parent/上级 (a unit code; the page's chosen parent when empty) and name_en/英文名称.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from dutyroom.common.errors import ValidationFailed
from dutyroom.orgs.models import LOCAL_KINDS, UnitKind
from dutyroom.orgs.services import UnitInput

HEADERS = {
    "code": "code",
    "代码": "code",
    "单位代码": "code",
    "name": "name",
    "名称": "name",
    "单位名称": "name",
    "kind": "kind",
    "类型": "kind",
    "单位类型": "kind",
    "parent": "parent",
    "上级": "parent",
    "上级单位": "parent",
    "name_en": "name_en",
    "英文名称": "name_en",
}
REQUIRED = ("code", "name", "kind")
KIND_WORDS = {UnitKind(kind).label: kind for kind in LOCAL_KINDS} | {
    "居委会": UnitKind.COMMUNITY.value,
    "村委会": UnitKind.VILLAGE.value,
}
MAX_ROWS = 2000  # a town has tens of villages; a file of more is a mistake, not a town


def _rows_of(filename: str, content: bytes) -> list[list[Any]]:
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook  # only needed for spreadsheets

        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        except Exception as error:  # openpyxl raises many types for a broken file
            raise ValidationFailed.one("file", "无法读取该 XLSX 文件", "cannot read this XLSX file") from error
        return [list(row) for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 1)]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("gb18030", errors="replace")  # spreadsheets saved by Chinese Excel
    return [list(row) for row in csv.reader(io.StringIO(text))][: MAX_ROWS + 1]


def units_file_read(filename: str, content: bytes, parent: str) -> list[UnitInput]:
    """The units of the file, each under its own ``parent`` column or ``parent`` when that is empty."""
    rows = [r for r in _rows_of(filename, content) if any(c not in (None, "") for c in r)]
    if len(rows) < 2:
        raise ValidationFailed.one("file", "文件中没有单位", "the file lists no units")
    columns = [HEADERS.get(str(h or "").strip().lower(), HEADERS.get(str(h or "").strip(), "")) for h in rows[0]]
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise ValidationFailed.one("file", f"缺少列：{', '.join(missing)}", f"missing columns: {', '.join(missing)}")
    units = []
    for row in rows[1:]:
        text = {
            name: "" if i >= len(row) or row[i] is None else str(row[i]).strip()
            for i, name in enumerate(columns)
            if name
        }
        kind = KIND_WORDS.get(text["kind"], text["kind"].lower())
        units.append(
            UnitInput(
                code=text["code"].lower(),
                name=text["name"],
                kind=kind,
                parent=text.get("parent") or parent,
                name_en=text.get("name_en", ""),
            )
        )
    return units

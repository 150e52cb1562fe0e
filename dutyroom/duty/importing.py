"""Reading a roster file (CSV or XLSX): one shift per row, headers in Chinese or English.

Columns: starts_at/开始, ends_at/结束, duty_officer/值班员, duty_leader/带班领导, city_leader/市领导 (user
names). Times without an offset are Asia/Shanghai, as a duty room's spreadsheet would have them.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from dutyroom.common.errors import ValidationFailed
from dutyroom.common.validation import Errors, check_time
from dutyroom.duty.services import LOCAL, ShiftInput

HEADERS = {
    "starts_at": "starts_at",
    "开始": "starts_at",
    "开始时间": "starts_at",
    "ends_at": "ends_at",
    "结束": "ends_at",
    "结束时间": "ends_at",
    "duty_officer": "duty_officer",
    "值班员": "duty_officer",
    "duty_leader": "duty_leader",
    "带班领导": "duty_leader",
    "city_leader": "city_leader",
    "市领导": "city_leader",
    "值班市领导": "city_leader",
    "note": "note",
    "备注": "note",
}
REQUIRED = ("starts_at", "ends_at", "duty_officer", "duty_leader")


def _when(value: Any, where: str) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value).strip())
        except ValueError as error:
            raise ValidationFailed.one(where, f"时间格式无效：{value}", f"invalid time: {value}") from error
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=LOCAL)
    errors = Errors()
    check_time(errors, where, parsed)  # year 1 or 9999 would overflow the first conversion to UTC
    errors.raise_if_any()
    return parsed


def _rows_of(filename: str, content: bytes) -> list[list[Any]]:
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook  # only needed for spreadsheets

        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        except Exception as error:  # openpyxl raises many types for a broken file
            raise ValidationFailed.one("file", "无法读取该 XLSX 文件", "cannot read this XLSX file") from error
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("gb18030")  # spreadsheets saved by Chinese Excel
        except UnicodeDecodeError as error:
            raise ValidationFailed.one(
                "file",
                "无法读取该文件：请上传 UTF-8 或 GBK 编码的 CSV，或 XLSX",
                "cannot read this file: upload a UTF-8 or GBK CSV, or an XLSX",
            ) from error
    if "\x00" in text:  # a binary file renamed .csv; the csv module would stop on it
        raise ValidationFailed.one(
            "file", "无法读取该文件：不是文本格式的 CSV", "cannot read this file: not a text CSV"
        )
    try:
        return [list(row) for row in csv.reader(io.StringIO(text))]
    except csv.Error as error:
        raise ValidationFailed.one("file", "无法读取该 CSV 文件", "cannot read this CSV file") from error


def roster_file_read(filename: str, content: bytes) -> list[ShiftInput]:
    rows = [r for r in _rows_of(filename, content) if any(c not in (None, "") for c in r)]
    if not rows:
        raise ValidationFailed.one("file", "文件为空", "the file is empty")
    columns = [HEADERS.get(str(h or "").strip().lower(), HEADERS.get(str(h or "").strip(), "")) for h in rows[0]]
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise ValidationFailed.one("file", f"缺少列：{', '.join(missing)}", f"missing columns: {', '.join(missing)}")
    shifts = []
    for number, row in enumerate(rows[1:], start=2):
        cells = {name: row[i] if i < len(row) else None for i, name in enumerate(columns) if name}
        text = {k: "" if v is None else str(v).strip() for k, v in cells.items()}
        shifts.append(
            ShiftInput(
                starts_at=_when(cells["starts_at"], f"row {number}.starts_at"),
                ends_at=_when(cells["ends_at"], f"row {number}.ends_at"),
                duty_officer=text["duty_officer"],
                duty_leader=text["duty_leader"],
                city_leader=text.get("city_leader", ""),
                note=text.get("note", ""),
            )
        )
    return shifts

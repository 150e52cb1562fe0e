"""The neutral shape of an official document (GB/T 9704 版头, 主体, 版记), shared by both renderers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str]]


Block = Heading | Paragraph | Table


@dataclass
class OfficialDocument:
    """What a printed 专报 or 日报 shows, top to bottom. ``classification`` is the 密级 mark ('' = public)."""

    masthead: str
    number: str
    office: str
    title: str
    signer: str = ""
    classification: str = ""
    blocks: list[Block] = field(default_factory=list)
    closing: list[str] = field(default_factory=list)
    issued_on: str = ""

    def text(self) -> str:
        """Everything a reader sees, one item a line (tests and the search index read this)."""
        lines = [self.classification, self.masthead, self.number, self.office, self.signer, self.title]
        for block in self.blocks:
            if isinstance(block, Table):
                lines.append(" ".join(block.headers))
                lines.extend(" ".join(row) for row in block.rows)
            else:
                lines.append(block.text)
        return "\n".join(line for line in [*lines, *self.closing, self.issued_on] if line)

    def to_json(self) -> dict[str, Any]:
        blocks = []
        for block in self.blocks:
            if isinstance(block, Table):
                blocks.append({"type": "table", "headers": block.headers, "rows": block.rows})
            else:
                blocks.append({"type": type(block).__name__.lower(), "text": block.text})
        return {
            "masthead": self.masthead,
            "number": self.number,
            "office": self.office,
            "title": self.title,
            "signer": self.signer,
            "classification": self.classification,
            "blocks": blocks,
            "closing": self.closing,
            "issued_on": self.issued_on,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OfficialDocument:
        blocks: list[Block] = []
        for block in data.get("blocks", []):
            if block["type"] == "table":
                blocks.append(Table(block["headers"], block["rows"]))
            elif block["type"] == "heading":
                blocks.append(Heading(block["text"]))
            else:
                blocks.append(Paragraph(block["text"]))
        return cls(
            masthead=data["masthead"],
            number=data["number"],
            office=data["office"],
            title=data["title"],
            signer=data.get("signer", ""),
            classification=data.get("classification", ""),
            blocks=blocks,
            closing=list(data.get("closing", [])),
            issued_on=data.get("issued_on", ""),
        )


CN_DIGITS = "〇一二三四五六七八九"


def cn_number(n: int) -> str:
    """一, 二 … 十, 十一 … 九十九: for 续报一, 续报二 and section numbers."""
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else CN_DIGITS[tens]
    return f"{head}十{CN_DIGITS[ones] if ones else ''}"


def cn_date(day: date) -> str:
    """2026年1月28日 (GB/T 9704 成文日期 in Arabic numerals)."""
    return f"{day.year}年{day.month}月{day.day}日"


def cn_time(moment: datetime | None) -> str:
    """1月28日 14:32 in local time; '—' when unknown."""
    if moment is None:
        return "—"
    local = moment.astimezone(LOCAL)
    return f"{local.month}月{local.day}日{local:%H:%M}"


def cn_datetime(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    local = moment.astimezone(LOCAL)
    return f"{local.year}年{local.month}月{local.day}日{local:%H:%M}"

"""Field checks shared by services; each failure names the field in Chinese and English."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from dutyroom.common.errors import ValidationFailed

# Clocks of phones and PCs drift; a time up to this far in the future is accepted as "now".
CLOCK_SKEW = timedelta(minutes=5)
# Times outside these bounds are typing mistakes or attacks; at year 1 or 9999 converting to UTC overflows.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


class Errors:
    """Collects every bad field of one request so the caller hears about all of them at once."""

    def __init__(self) -> None:
        self.items: dict[str, tuple[str, str]] = {}

    def add(self, field: str, zh: str, en: str) -> None:
        self.items.setdefault(field, (zh, en))

    def raise_if_any(self) -> None:
        if self.items:
            raise ValidationFailed(dict(self.items))


def check_time(errors: Errors, field: str, value: datetime | None) -> bool:
    """An aware time between 1900 and 2200 (comparing aware times never overflows; converting them can)."""
    if value is None:
        return True
    if value.tzinfo is None:
        errors.add(field, "时间必须带时区偏移（如 +08:00）", "time must carry a UTC offset such as +08:00")
        return False
    if not EARLIEST <= value < LATEST:
        errors.add(field, "时间超出可接受范围（1900 年至 2199 年）", "time must be between 1900 and 2199")
        return False
    return True


def check_past(errors: Errors, field: str, value: datetime | None, now: datetime) -> None:
    if value is None or not check_time(errors, field, value):
        return
    if value > now + CLOCK_SKEW:
        errors.add(field, "时间不能晚于当前时间", "time cannot be in the future")


def check_text(errors: Errors, field: str, value: str, *, required: bool = False, max_length: int = 0) -> None:
    """Every text a person writes passes here (the services of the API and the web forms alike): no NUL, no
    bidi controls, not invisible-only, no state-secret marking (``text_problem``), and the length."""
    problem = text_problem(value)
    if problem is not None:
        errors.add(field, *problem)
    elif required and not visible(value):
        errors.add(field, "不能为空", "is required")
    elif max_length and len(value) > max_length:
        errors.add(field, f"不能超过 {max_length} 个字符", f"must be at most {max_length} characters")


# --- text: what a person may type -------------------------------------------------------------------------

# Characters that show nothing: zero-width space/joiners, word joiner, BOM, soft hyphen, and the bidi marks.
INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\u061c")
# Bidi embedding/override/isolate controls reorder what a reader sees (a "txt.exe" that reads "exe.txt"). No
# Chinese or English text of a duty room needs them; refused wherever they appear.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

# A text that declares itself a state secret (国家秘密: 秘密, 机密, 绝密). The notice (§五, the Secrecy Law) keeps
# such content off this system; it goes by the secure channel. Decided, to avoid refusing ordinary words:
# - 绝密 (top secret) is refused wherever it appears: it has no everyday use in an incident report;
# - 机密 and 秘密 are refused as markings: with 级, ★ (the official "机密★1年"), 文件/件/资料/材料, or declared
#   (属/为/系/列为/定为/标为 … 机密, 密级：秘密);
# - 工作秘密 (the system's own level, allowed), 商业秘密/商业机密, 个人秘密, 技术秘密 and phrases such as
#   保守秘密 or 秘密通道 are not markings and pass.
_NOT_STATE = r"(?<!工作)(?<!商业)(?<!个人)(?<!技术)(?<!内部)"
CLASSIFIED_MARKING = re.compile(
    r"绝\s*密"
    rf"|{_NOT_STATE}(?:机密|秘密)\s*(?:级|★|\*|文件|件|资料|材料)"
    r"|(?:属|为|系|列为|定为|标为|标注为|密级\s*[:：为]?)\s*(?:机密|秘密)"
)
CLASSIFIED_MESSAGE = (
    "涉及国家秘密（秘密、机密、绝密）的内容不得录入本系统，请通过保密渠道报送",
    "state secrets (秘密, 机密, 绝密) must not enter this system; use the secure channel",
)


def visible(value: str) -> str:
    """The text without invisible characters and surrounding white space ("" when nothing would show)."""
    return "".join(c for c in value if c not in INVISIBLE and c not in BIDI_CONTROLS).strip()


def classified(value: str) -> bool:
    """Whether the text marks itself 秘密, 机密 or 绝密 (see ``CLASSIFIED_MARKING`` for what counts)."""
    return bool(CLASSIFIED_MARKING.search(unicodedata.normalize("NFKC", value)))


def text_problem(value: str) -> tuple[str, str] | None:
    """Why a text a person typed cannot be kept, as (Chinese, English), or None."""
    if "\x00" in value:
        return ("不能包含空字符（NUL）", "must not contain NUL characters")
    if any(c in BIDI_CONTROLS for c in value):
        return ("不能包含改变文字方向的控制字符", "must not contain bidirectional control characters")
    if value.strip() and not visible(value):
        return ("只含不可见字符，请填写内容", "contains only invisible characters")
    if classified(value):
        return CLASSIFIED_MESSAGE
    return None


def normalise_text(value: str) -> str:
    """What is kept of a typed text: NFC (one code point sequence for one character) without surrounding white
    space or invisible characters at either end."""
    text = unicodedata.normalize("NFC", value)
    edge = "".join(INVISIBLE) + " \t\r\n\u3000"
    return text.strip(edge)


def check_choice(errors: Errors, field: str, value: str | None, allowed: Iterable[str], zh: str, en: str) -> bool:
    """Enum check with the field's own message; ``None`` passes (optional fields). True when the value is valid."""
    if value is None or value in set(allowed):
        return True
    errors.add(field, zh, en)
    return False


def url_problem(value: str) -> tuple[str, str] | None:
    """Why an address the server will call (a webhook, a feed) is unusable, or None: http(s) only, a host, a
    port in range, and no white space or control character (a CR/LF would inject a header line)."""
    if any(c.isspace() or unicodedata.category(c) == "Cc" for c in value):
        return ("地址不能包含空白或控制字符", "the address must not contain white space or control characters")
    try:
        parts = urlsplit(value)
        port = parts.port  # raises for a port outside 0..65535 or not a number
    except ValueError:
        return ("地址格式无效（端口须为 1–65535）", "invalid address (the port must be 1-65535)")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ("地址必须以 http:// 或 https:// 开头并包含主机名", "the address must be http(s):// with a host")
    if port == 0:
        return ("地址格式无效（端口须为 1–65535）", "invalid address (the port must be 1-65535)")
    return None

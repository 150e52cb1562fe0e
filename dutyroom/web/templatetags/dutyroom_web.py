"""Template filters of the web UI: local (Asia/Shanghai) times, the countdown text duty officers read, and
labels of stored values in the page's language (``dutyroom.web.labels``)."""

from __future__ import annotations

import re
from datetime import date, datetime

from django import template
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from dutyroom.common.clock import now as clock_now
from dutyroom.common.timefmt import LOCAL
from dutyroom.web import labels

register = template.Library()


_BILINGUAL = re.compile(r"^(?P<zh>.*?[^\x00-\x7f].*?) \((?P<en>[\x00-\x7f]+)\)$", re.S)


@register.filter
def one_language(text: str | None) -> str:
    """System-written reasons carry both languages ("处置结束，续报时钟停止 (handling finished; …)"): show the
    page's half only. Text people wrote has no such English tail and is shown as written."""
    found = _BILINGUAL.match(text or "")
    if found is None:
        return text or ""
    return found.group("en") if labels.english() else found.group("zh")


@register.filter
def band_label(band: object) -> str:
    return labels.band_label(band)


@register.filter
def period_label(period: object) -> str:
    return labels.period_label(period)


@register.filter
def minutes_text(seconds: float | int | None) -> str:
    return labels.minutes_text(seconds)


@register.filter
def finding_kind(finding: object) -> str:
    return labels.finding_kind_label(str(getattr(finding, "kind", "")), str(finding.get_kind_display()))  # type: ignore[attr-defined]


@register.filter
def finding_state(finding: object) -> str:
    return labels.finding_state_label(str(getattr(finding, "state", "")), str(finding.get_state_display()))  # type: ignore[attr-defined]


@register.filter
def unit_name(unit: object) -> str:
    """``{{ incident.unit|unit_name }}``: the unit's name in the page's language."""
    return labels.unit_name(unit)


@register.filter
def local_dt(value: datetime | None, style: str = "minute") -> str:
    """A time in Asia/Shanghai as people write it: ``12月7日 10:30`` (``Dec 7 10:30``), the year only when it
    is not this year's; ``seconds`` adds :ss, ``time`` gives HH:MM, ``short`` (deadlines) drops today's date."""
    if value is None:
        return "—"
    local = value.astimezone(LOCAL)
    today = clock_now().astimezone(LOCAL).date()
    if style == "time" or (style == "short" and local.date() == today):
        return local.strftime("%H:%M")
    return labels.when_text(local, today, seconds=style == "seconds")


@register.filter
def local_day(value: date | None) -> str:
    """A day as people write it (``12月7日``; the year only when it is not this year's)."""
    if value is None:
        return "—"
    return labels.day_text(value, clock_now().astimezone(LOCAL).date())


@register.filter
def epoch_ms(value: datetime | None) -> str:
    """Milliseconds since the epoch, for ``data-due`` attributes the countdown script reads."""
    if value is None:
        return ""
    return str(int(value.timestamp() * 1000))


def clock_text(seconds: int) -> str:
    """``mm:ss`` below an hour, ``h:mm:ss`` from an hour on (the same format as static/web/app.js)."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes:02d}:{secs:02d}"


def countdown_text(due_at: datetime, now: datetime) -> str:
    """What the countdown shows before the script takes over: time left, or ``已超时 +mm:ss``."""
    left_ms = (due_at - now).total_seconds() * 1000
    if left_ms > 0:
        return clock_text(-(-int(left_ms) // 1000))  # ceil: 00:01 until the very last moment
    return _("已超时 +%(elapsed)s") % {"elapsed": clock_text(int(-left_ms) // 1000)}


@register.filter
def late_text(seconds: int | None) -> str:
    """``12 分钟`` (or ``1 小时 3 分``): how late a late obligation was met. People count lateness in
    minutes; a seconds figure only reads as machine output (under a minute: "不到 1 分钟")."""
    if not seconds:
        return ""
    minutes = int(seconds) // 60
    hours, minutes = divmod(minutes, 60)
    if hours:
        return _("%(h)d 小时 %(m)d 分") % {"h": hours, "m": minutes}
    if not minutes:
        return _("不到 1 分钟")
    return _("%(m)d 分钟") % {"m": minutes}


@register.filter
def role_label(role: str | None) -> str:
    """A user's role (``accounts.Role``) in the page's language."""
    return labels.role_label(role)


@register.filter
def unit_kind_label(kind: str | None) -> str:
    """A unit's kind (``orgs.UnitKind``) in the page's language."""
    return labels.unit_kind_label(kind)


@register.simple_tag
def server_now_ms() -> str:
    """The server's clock for the page's countdowns, so a phone whose clock is wrong still counts right."""
    return str(int(clock_now().timestamp() * 1000))


@register.simple_tag
def htmx_script() -> SafeString:
    """htmx as an enhancement: included only where its npm package is on STATICFILES_DIRS.

    Every page works without it (plain forms, POST/redirect/GET); with it, the incident page's actions
    swap the page in place instead of reloading it.
    """
    if not finders.find("htmx.min.js"):
        return SafeString("")
    return format_html('<script src="{}" defer></script>', static("htmx.min.js"))

"""Every page reads as words, in either language: a crawler visits every page reachable from the navigation and
every detail page of the demo city as every demo role, in Chinese and in English, and fails on a code, a user
name, a rule id, an ISO timestamp, a seconds count or a rulebook version where a person's words belong, and on
Chinese left on an English page where an English name exists."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client

from dutyroom.accounts.models import User
from dutyroom.common.clock import now as clock_now
from dutyroom.demo import incidents_load
from dutyroom.leads.services import LeadInput, LeadOrigin, lead_submit
from dutyroom.orgs.models import Unit
from dutyroom.reports.services import ReportInput, report_submit

pytestmark = pytest.mark.django_db

ROLES = [
    "duty-officer",
    "duty-leader",
    "assessor",
    "admin",
    "shaxi-reporter",
    "shaxi-leader",
    "police-reporter",
    "propaganda-reporter",
    "grid-shaxi",
]
# pages that are files, actions or would sign the crawler out
SKIP = re.compile(
    r"^/(logout|i18n|api|static|otp/qr)|\.(docx|pdf|xlsx|xml|csv|json|svg)$|/version|/fragment/|"
    r"/photos/|/read/|/read-all/"
)
MAX_PAGES = 120


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Text(HTMLParser):
    """The words a person reads on the page (text and the attributes read aloud), and the page's links."""

    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []
        self.chinese: list[str] = []  # text inside an element that declares itself Chinese (lang="zh-CN")
        self.links: list[str] = []
        self._skip = 0
        self._open: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        if tag not in VOID and tag != "html":
            self._open.append((tag, found.get("lang") == "zh-CN"))
        if tag == "a" and found.get("href"):
            self.links.append(str(found["href"]))
        for name in ("title", "placeholder", "aria-label", "alt"):
            if found.get(name):
                self.words.append(str(found[name]))
        if tag == "input" and found.get("type") in ("submit", "button") and found.get("value"):
            self.words.append(str(found["value"]))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            declared = any(zh for _tag, zh in self._open)
            (self.chinese if declared else self.words).append(data.strip())


def _usernames() -> list[str]:
    return list(User.objects.values_list("username", flat=True))


def _codes() -> list[str]:
    return [c for c in Unit.objects.values_list("code", flat=True)]


RAW = [
    ("ISO timestamp", re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")),
    ("machine date stamp", re.compile(r"\b\d{4}-\d\d-\d\d \d\d:\d\d")),
    ("seconds count", re.compile(r"(?<![\w.])\d+ ?s\b|\d+ ?秒(?!钟)")),
    ("rulebook version", re.compile(r"[a-z][\w-]*@\d")),
    ("rule id", re.compile(r"\b(general|major|serious|final|verification|receipt)\.[a-z_]+\b")),
    ("raw source", re.compile(r"\buser:[\w-]+")),
]
CHINESE = re.compile(r"[\u4e00-\u9fff]+")
# a system text's English half left on a Chinese page: "(handling finished; follow-up clock stopped)"
ENGLISH_ASIDE = re.compile(r"\((?:[a-z-]+[ ;,]+){2,}[a-z-]+\)")


def problems(text: str, english: bool, allowed_chinese: set[str], names: list[str]) -> Iterator[str]:
    for what, pattern in RAW:
        for found in pattern.finditer(text):
            yield f"{what}: {found.group(0)!r}"
    for name in names:
        if re.search(rf"(?<![\w/#.-]){re.escape(name)}(?![\w-])", text):
            yield f"code or user name: {name!r}"
    if not english:
        for found in ENGLISH_ASIDE.finditer(text):
            yield f"English on a Chinese page: {found.group(0)!r}"
    if english:
        for found in CHINESE.finditer(text):
            if not any(found.group(0) in allowed for allowed in allowed_chinese):
                yield f"Chinese on an English page: {found.group(0)!r}"


def _allowed_chinese() -> set[str]:
    """What is legitimately Chinese on an English page: what people typed (titles, texts, addresses, names)."""
    from dutyroom.incidents.models import Incident
    from dutyroom.leads.models import Lead
    from dutyroom.reports.models import Report, VerificationRequest

    typed: set[str] = {"中文", "切换到中文"}  # the language switch names itself
    for title, address in Incident.objects.values_list("title", "address"):
        typed |= {title, address or ""}
    for fields in Report.objects.values_list("summary", "signer", "contact_name", "measures", "trend"):
        typed |= {f or "" for f in fields}
    for fields in Lead.objects.values_list("title", "text", "address", "outcome_reason"):
        typed |= {f or "" for f in fields}
    typed |= set(VerificationRequest.objects.values_list("question", flat=True))
    from dutyroom.audit.models import AuditEntry

    # reasons people typed for a change (shown in the incident's history)
    typed |= {
        str(data.get("reason", ""))
        for data in AuditEntry.objects.values_list("data", flat=True)
        if isinstance(data, dict)
    }
    typed |= {u.display_name for u in User.objects.all()} | {u.label for u in User.objects.all()}
    typed |= {u.name for u in Unit.objects.filter(name_en="")}
    return {t for t in typed if t}


def crawl(client: Client, language: str) -> dict[str, list[str]]:
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    english = language == "en"
    allowed = _allowed_chinese()
    # codes that are also ordinary English words (police, health, admin…) are words on an English page
    names = [n for n in _usernames() + _codes() if len(n) > 3 and not (english and n.isalpha())]
    seen: set[str] = set()
    queue = ["/"]
    found: dict[str, list[str]] = {}
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        parser = _Text()
        parser.feed(response.content.decode())
        text = "\n".join(parser.words)
        bad = sorted(set(problems(text, english, allowed, names)))
        # text declared Chinese (stored Chinese wording, the language switch) is still checked for codes
        bad += sorted(set(problems("\n".join(parser.chinese), False, allowed, names)))
        if bad:
            found[url] = bad
        for href in parser.links:
            target = urlsplit(urljoin(url, href))
            if target.netloc or not target.path.startswith("/") or SKIP.search(target.path):
                continue
            path = target.path + (f"?{target.query}" if target.query else "")
            if path not in seen and path.count("page=") <= 1:
                queue.append(path)
    return found


@pytest.fixture
def demo_day(demo_city: Any) -> None:
    now = clock_now()
    incidents_load(now - timedelta(minutes=5))
    grid = User.objects.get(username="grid-shaxi")
    lead_submit(
        data=LeadInput(
            channel="grid", title="沙溪镇某小区燃气爆炸", text="有人受伤", area="shaxi", address="白云路 8 号"
        ),
        origin=LeadOrigin(source=f"user:{grid.username}", sender=grid),
        now=now,
    )
    lead_submit(
        data=LeadInput(channel="internet", title="网传浏河镇有人聚集"),
        origin=LeadOrigin(source="https://example.org/post/1"),
        now=now,
    )
    from dutyroom.incidents.models import Incident

    fire = Incident.objects.get(title="沙溪镇居民楼火灾")
    report_submit(
        actor=User.objects.get(username="shaxi-reporter"),
        incident=fire,
        now=now,
        data=ReportInput(kind="followup", summary="火已扑灭"),
    )


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("username", ROLES)
def test_no_page_shows_codes_or_machine_text(demo_day: None, login: Any, username: str, language: str) -> None:
    found = crawl(login(username), language)
    assert not found, "\n".join(f"{url}: {'; '.join(bad)}" for url, bad in found.items())

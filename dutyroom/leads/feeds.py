"""RSS/Atom polling (feedparser) for configured sources: conditional GET, per-source interval, memory.

``feeds_job(now)`` is a worker job: it claims each due source by compare-and-set on ``next_poll_at`` (so
any number of workers poll a source once), fetches it with ``If-None-Match``/``If-Modified-Since``, and
files every entry not seen before as a lead through ``lead_submit``. A failing source keeps its error and
failure count on the source (shown on the feeds page) and is retried at its interval; nothing is lost.
No network I/O happens inside a database transaction.
"""

from __future__ import annotations

import hashlib
import logging
import re
from calendar import timegm
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import feedparser
from django.db import IntegrityError, transaction
from django.db.models import Min

from dutyroom.accounts.models import User
from dutyroom.audit.services import audit_record
from dutyroom.common import http
from dutyroom.common.errors import Forbidden
from dutyroom.common.validation import Errors, check_text
from dutyroom.leads.models import FeedSeen, FeedSource
from dutyroom.leads.services import LeadInput, LeadOrigin, lead_submit
from dutyroom.rules import retry_delay

log = logging.getLogger("dutyroom.leads.feeds")
TIMEOUT_SECONDS = 10
MAX_FEED_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 3
USER_AGENT = "DutyRoom-feeds/1 (+incident information reporting)"


@dataclass
class Fetched:
    status: int
    body: bytes
    etag: str
    last_modified: str


class FeedStatusError(http.HttpError):
    """The source answered with an error status (kept on the source as ``last_status``)."""

    def __init__(self, code: int) -> None:
        super().__init__(f"HTTP {code}")
        self.code = code


def fetch(source: FeedSource) -> Fetched:
    """One conditional GET through the outbound client: its address policy on every hop, at most
    ``MAX_REDIRECTS`` redirects (a moved feed), the body up to ``MAX_FEED_BYTES``."""
    headers = {"User-Agent": USER_AGENT}
    if source.etag:
        headers["If-None-Match"] = source.etag
    if source.last_modified:
        headers["If-Modified-Since"] = source.last_modified
    response = http.fetch(
        "GET",
        source.url,
        headers=headers,
        timeout=TIMEOUT_SECONDS,
        max_redirects=MAX_REDIRECTS,
        max_bytes=MAX_FEED_BYTES,
    )
    if response.status == 304:
        return Fetched(304, b"", source.etag, source.last_modified)
    if not response.ok:
        raise FeedStatusError(response.status)
    return Fetched(response.status, response.body, response.header("ETag"), response.header("Last-Modified"))


def entry_key(entry: Any) -> str:
    """The entry's id, else its link, else its title and summary: hashed to a fixed width."""
    basis = entry.get("id") or entry.get("link") or f"{entry.get('title', '')}\n{entry.get('summary', '')}"
    return hashlib.sha256(basis.encode()).hexdigest()


def _published(entry: Any, now: datetime) -> datetime | None:
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    if not stamp:
        return None
    at = datetime.fromtimestamp(timegm(stamp), UTC)
    return at if at <= now else None


def _import_entry(source: FeedSource, entry: Any, now: datetime) -> bool:
    key = entry_key(entry)
    if FeedSeen.objects.filter(source=source, key=key).exists():
        return False
    title = (entry.get("title") or "").strip()[:200] or "(无标题)"
    text = feedparser_text(entry)
    link = entry.get("link", "")
    try:
        with transaction.atomic():
            seen = FeedSeen.objects.create(source=source, key=key, seen_at=now)
            lead = lead_submit(
                data=LeadInput(
                    channel=source.channel,
                    title=title,
                    text=text[:20000],
                    url=link if link.startswith(("http://", "https://")) else "",
                    occurred_at=_published(entry, now),
                ),
                origin=LeadOrigin(
                    source=f"feed:{source.name}", raw=repr(dict(entry))[:100000], raw_type="feed-entry", feed=source
                ),
                now=now,
            )
            seen.lead = lead
            seen.save(update_fields=["lead"])
    except IntegrityError:  # another worker imported it a moment ago
        return False
    return True


def feedparser_text(entry: Any) -> str:
    summary = entry.get("summary", "") or ""
    return re.sub(r"<[^>]+>", " ", summary).strip()


def feed_poll(source: FeedSource, now: datetime) -> int:
    """Poll one source now; returns how many new entries became leads. Errors are stored, not raised."""
    try:
        fetched = fetch(source)
        imported = 0
        if fetched.status != 304:
            parsed = feedparser.parse(fetched.body)
            if parsed.bozo and not parsed.entries:
                raise ValueError(f"not a feed: {parsed.get('bozo_exception')}")
            imported = sum(_import_entry(source, entry, now) for entry in parsed.entries)
    except Exception as error:  # any failure is the source's state, shown to the duty room
        FeedSource.objects.filter(pk=source.pk).update(
            last_polled_at=now,
            last_error=f"{type(error).__name__}: {error}"[:2000],
            failures=source.failures + 1,
            last_status=getattr(error, "code", None),
            # the one backoff of every retrying queue, in units of the source's own interval: the first retry at
            # the interval as before, then 2×, 4× … up to an hour (or the interval, if longer), so a dead source
            # is not hammered and a recovered one is back within the hour. No jitter: one poller per source.
            next_poll_at=now
            + retry_delay(
                source.failures,
                base_seconds=source.interval_seconds,
                cap_seconds=max(source.interval_seconds, 3600),
                jitter=0.0,
            ),
        )
        log.warning("feed %s failed: %s", source.name, error)
        return 0
    FeedSource.objects.filter(pk=source.pk).update(
        last_polled_at=now,
        last_ok_at=now,
        last_error="",
        failures=0,
        last_status=fetched.status,
        etag=fetched.etag[:300],
        last_modified=fetched.last_modified[:100],
        items_imported=source.items_imported + imported,
    )
    return imported


def _claim(source: FeedSource, now: datetime) -> bool:
    """Compare-and-set on ``next_poll_at``: exactly one worker polls a due source."""
    return (
        FeedSource.objects.filter(pk=source.pk, next_poll_at=source.next_poll_at).update(
            next_poll_at=now + timedelta(seconds=source.interval_seconds)
        )
        == 1
    )


def feeds_job(now: datetime) -> datetime | None:
    """Worker job: poll every due source; return when the next one is due."""
    for source in list(FeedSource.objects.filter(active=True, next_poll_at__lte=now)[:20]):
        if _claim(source, now):
            feed_poll(source, now)
    return FeedSource.objects.filter(active=True).aggregate(m=Min("next_poll_at"))["m"]


def feed_source_create(
    *, actor: User, name: str, url: str, channel: str, interval_seconds: int, now: datetime
) -> FeedSource:
    """Configure a source (duty room); it is polled at once, then every ``interval_seconds`` (at least 60)."""
    if not actor.is_duty_room:
        raise Forbidden("只有值班室可以配置信息源", "only the duty room configures feeds")
    errors = Errors()
    check_text(errors, "name", name, required=True, max_length=100)
    if not url.startswith(("http://", "https://")):
        errors.add("url", "链接必须以 http:// 或 https:// 开头", "url must start with http:// or https://")
    if interval_seconds < 60:
        errors.add("interval_seconds", "轮询间隔不少于 60 秒", "interval must be at least 60 seconds")
    if FeedSource.objects.filter(name=name.strip()).exists():
        errors.add("name", "信息源名称已存在", "a source with this name exists")
    errors.raise_if_any()
    with transaction.atomic():
        source = FeedSource.objects.create(
            name=name.strip(),
            url=url,
            channel=channel,
            interval_seconds=interval_seconds,
            next_poll_at=now,
            created_at=now,
        )
        audit_record(
            actor=actor,
            action="feed_source.create",
            object_type="feed_source",
            object_id=source.pk,
            at=now,
            data={"name": source.name, "url": url, "channel": channel, "interval_seconds": interval_seconds},
        )
    return source

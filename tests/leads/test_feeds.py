"""Feed polling against a real local HTTP server: conditional GET, memory of what was seen, errors kept."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

RSS = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>太仓日报</title>
<item><guid>a1</guid><title>浏河镇一化工企业发生泄漏</title><description>&lt;p&gt;现场有异味&lt;/p&gt;</description>
<link>https://news.example.cn/a1</link></item>
<item><guid>a2</guid><title>沙溪镇古镇游客聚集</title><description>节假日客流</description></item>
</channel></rss>"""


class Feed:
    def __init__(self) -> None:
        self.body = RSS
        self.status = 200
        self.requests: list[dict[str, str]] = []


@pytest.fixture
def feed_server(settings: Any) -> Iterator[tuple[str, Feed]]:
    settings.DUTYROOM_FEEDS_ALLOW = "127.0.0.1"  # the feed is served on loopback, refused by default
    feed = Feed()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            feed.requests.append(dict(self.headers))
            if feed.status != 200:
                self.send_response(feed.status)
                self.end_headers()
                return
            if self.headers.get("If-None-Match") == '"v1"' and feed.body == RSS:
                self.send_response(304)
                self.end_headers()
                return
            data = feed.body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("ETag", '"v1"')
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/rss", feed
    server.shutdown()


def test_feed_items_become_leads_once_with_conditional_get_and_interval(city, user, feed_server):
    from dutyroom.leads.feeds import feed_source_create, feeds_job
    from dutyroom.leads.models import FeedSource, Lead

    url, feed = feed_server
    now = datetime.now(UTC)
    source = feed_source_create(
        actor=user("duty-officer"), name="太仓日报", url=url, channel="media", interval_seconds=300, now=now
    )
    next_run = feeds_job(now)
    assert Lead.objects.filter(feed=source).count() == 2
    lead = Lead.objects.get(title__startswith="浏河镇")
    assert lead.channel == "media" and lead.verifier_unit.code == "propaganda" and "<p>" not in lead.text
    assert next_run == now + timedelta(seconds=300)
    feeds_job(now + timedelta(seconds=10))  # not due yet: no request
    assert len(feed.requests) == 1
    feeds_job(now + timedelta(seconds=301))  # due: conditional GET answered 304
    assert feed.requests[-1].get("If-None-Match") == '"v1"'
    feed.body = RSS.replace("</channel>", "<item><guid>a3</guid><title>璜泾镇河道落水</title></item></channel>")
    feeds_job(now + timedelta(seconds=602))
    assert Lead.objects.filter(feed=source).count() == 3  # a1 and a2 are remembered, only a3 is new
    assert FeedSource.objects.get(pk=source.pk).items_imported == 3


def test_a_failing_source_keeps_its_error_until_it_recovers(city, user, feed_server):
    from dutyroom.leads.feeds import feed_source_create, feeds_job
    from dutyroom.leads.models import FeedSource

    url, feed = feed_server
    feed.status = 500
    now = datetime.now(UTC)
    source = feed_source_create(
        actor=user("duty-officer"), name="门户", url=url, channel="internet", interval_seconds=60, now=now
    )
    feeds_job(now)
    failed = FeedSource.objects.get(pk=source.pk)
    assert failed.failures == 1 and "500" in failed.last_error and failed.last_ok_at is None
    feed.status = 200
    feeds_job(now + timedelta(seconds=61))
    recovered = FeedSource.objects.get(pk=source.pk)
    assert recovered.failures == 0 and recovered.last_error == "" and recovered.items_imported == 2


def test_unverified_lead_turns_overdue_through_the_worker_like_every_clock(api):
    from dutyroom.obligations.models import Obligation
    from dutyroom.worker.loop import obligations_sweep

    lead = api("grid-shaxi").post("/leads", {"channel": "grid", "title": "双凤镇养殖场异味"}).json_body
    clock_id = lead["verifiers"][0]["obligation"]["id"]
    fired = obligations_sweep(datetime.now(UTC) + timedelta(minutes=31))
    assert fired == 1 and Obligation.objects.get(pk=clock_id).state == "overdue"
    late = api("duty-officer").post(f"/leads/{lead['id']}/verify", {"outcome": "not_incident", "reason": "正常排放"})
    assert late.json_body["verifiers"][0]["obligation"]["state"] in ("met", "late")

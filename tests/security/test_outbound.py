"""Every outbound call (feeds, webhooks, the SMS gateway, federation) goes through one client that fetches only
http(s), follows a bounded number of redirects, and refuses loopback and private addresses on every hop unless the
administrator allows them (``DUTYROOM_FEEDS_ALLOW``). Local servers only: loopback is exactly what is refused."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from dutyroom.common import http

RSS = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
    "<item><title>浏河镇发生火情</title><link>https://example.org/1</link></item></channel></rss>"
)


class Site:
    """A local server whose paths answer what each test sets: ``routes[path] = (status, headers, body)``."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.seen: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def answer(self) -> None:
                site.seen.append(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                status, headers, body = site.routes.get(self.path, (404, {}, b""))
                self.send_response(status)
                for name, value in {**headers, "Content-Length": str(len(body))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = answer

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def redirect(self, path: str, to: str) -> None:
        self.routes[path] = (302, {"Location": to}, b"")


@pytest.fixture
def site() -> Iterator[Site]:
    made = Site()
    yield made
    made.server.shutdown()
    made.server.server_close()


REFUSED = [
    "127.0.0.1",
    "127.8.9.10",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "::1",
    "fd00::1",
    "fe80::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
]


@pytest.mark.parametrize("address", REFUSED)
def test_loopback_private_and_special_addresses_are_refused_by_default(address):
    assert not http.address_allowed(ipaddress.ip_address(address), http.allowed_networks(""))


def test_public_addresses_pass_and_the_administrator_can_open_networks():
    assert http.address_allowed(ipaddress.ip_address("202.96.209.133"), http.allowed_networks(""))
    opened = http.allowed_networks("127.0.0.1, 10.20.0.0/16 fd00::/8")
    assert http.address_allowed(ipaddress.ip_address("10.20.3.4"), opened)
    assert http.address_allowed(ipaddress.ip_address("fd00::7"), opened)
    assert not http.address_allowed(ipaddress.ip_address("10.21.0.1"), opened)
    assert not http.address_allowed(ipaddress.ip_address("127.0.0.2"), opened)
    assert http.address_allowed(ipaddress.ip_address("192.168.1.1"), http.allowed_networks("*"))


def test_a_loopback_url_is_refused_before_any_connection(site, settings):
    settings.DUTYROOM_FEEDS_ALLOW = ""
    site.routes["/x"] = (200, {}, b"secret")
    with pytest.raises(http.AddressRefused, match="DUTYROOM_FEEDS_ALLOW"):
        http.fetch("GET", f"{site.base}/x")
    assert site.seen == []
    settings.DUTYROOM_FEEDS_ALLOW = "127.0.0.1"
    assert http.fetch("GET", f"{site.base}/x").body == b"secret"


@pytest.mark.parametrize("target", ["ftp://127.0.0.1/feed.xml", "file:///etc/passwd", "gopher://127.0.0.1:70/"])
def test_a_redirect_to_another_scheme_is_refused(site, settings, target):
    settings.DUTYROOM_FEEDS_ALLOW = "127.0.0.1"
    site.redirect("/feed", target)
    with pytest.raises(http.AddressRefused, match="only http and https"):
        http.fetch("GET", f"{site.base}/feed", max_redirects=3)


def test_every_redirect_hop_passes_the_address_policy(site, settings):
    settings.DUTYROOM_FEEDS_ALLOW = "127.0.0.1"  # the first host only: 127.0.0.2 is still loopback, refused
    port = site.server.server_address[1]
    site.redirect("/feed", f"http://127.0.0.2:{port}/api/v1/audit/verify")
    with pytest.raises(http.AddressRefused):
        http.fetch("GET", f"{site.base}/feed", max_redirects=3)
    assert site.seen == ["/feed"]


def test_redirects_are_bounded(site, settings):
    settings.DUTYROOM_FEEDS_ALLOW = "127.0.0.1"
    for n in range(10):
        site.redirect(f"/r{n}", f"/r{n + 1}")
    site.routes["/r3"] = (200, {}, b"ok")
    assert http.fetch("GET", f"{site.base}/r0", max_redirects=3).body == b"ok"
    with pytest.raises(http.HttpError, match="more than 2 redirects"):
        http.fetch("GET", f"{site.base}/r0", max_redirects=2)


@pytest.mark.django_db
def test_a_feed_pointing_at_the_server_itself_stores_the_refusal_not_the_answer(city, user, site, settings):
    from dutyroom.leads.feeds import feed_source_create, feeds_job
    from dutyroom.leads.models import FeedSource, Lead

    settings.DUTYROOM_FEEDS_ALLOW = ""
    site.routes["/rss"] = (200, {"Content-Type": "application/rss+xml"}, RSS.encode())
    now = datetime.now(UTC)
    source = feed_source_create(
        actor=user("duty-officer"),
        name="本机",
        url=f"{site.base}/rss",
        channel="internet",
        interval_seconds=60,
        now=now,
    )
    feeds_job(now)
    failed = FeedSource.objects.get(pk=source.pk)
    assert failed.failures == 1 and "DUTYROOM_FEEDS_ALLOW" in failed.last_error
    assert site.seen == [] and not Lead.objects.exists()


@pytest.mark.django_db
def test_a_feed_redirected_to_ftp_fails_with_the_reason(city, user, site, settings):
    from dutyroom.leads.feeds import feed_source_create, feeds_job
    from dutyroom.leads.models import FeedSource

    settings.DUTYROOM_FEEDS_ALLOW = "127.0.0.1"
    site.redirect("/rss", "ftp://127.0.0.1/rss")
    now = datetime.now(UTC)
    source = feed_source_create(
        actor=user("duty-officer"),
        name="跳转",
        url=f"{site.base}/rss",
        channel="internet",
        interval_seconds=60,
        now=now,
    )
    feeds_job(now)
    assert "only http and https" in FeedSource.objects.get(pk=source.pk).last_error


def test_webhooks_and_the_sms_gateway_obey_the_same_policy(site, settings):
    from dutyroom.alerts.transports import send_sms, send_webhook

    settings.DUTYROOM_FEEDS_ALLOW = ""
    site.routes["/hook"] = site.routes["/sms"] = (200, {}, b"")
    hook = send_webhook(f"{site.base}/hook", "secret", b"{}", "chase", "d-1")
    settings.DUTYROOM_SMS_URL = f"{site.base}/sms"
    sms = send_sms("13800000000", "催报", "d-2")
    assert (hook.ok, hook.status, sms.ok, sms.status) == (False, "refused", False, "refused")
    assert site.seen == []
    settings.DUTYROOM_FEEDS_ALLOW = "127.0.0.1"
    assert send_webhook(f"{site.base}/hook", "secret", b"{}", "chase", "d-1").ok
    assert send_sms("13800000000", "催报", "d-2").ok


def test_a_webhook_that_redirects_is_a_failure_never_followed(site, settings):
    from dutyroom.alerts.transports import send_webhook

    settings.DUTYROOM_FEEDS_ALLOW = "127.0.0.1"
    site.redirect("/hook", "/elsewhere")
    outcome = send_webhook(f"{site.base}/hook", "secret", b"{}", "chase", "d-1")
    assert (outcome.ok, outcome.status) == (False, "http 302")
    assert site.seen == ["/hook"]


@pytest.mark.django_db
def test_federation_to_a_private_peer_waits_for_the_administrator_and_backs_off(city, site, settings):
    """A parent on loopback is refused until allowed; each failure is rescheduled by the one backoff."""
    from datetime import timedelta

    from dutyroom.interop import outbound
    from dutyroom.interop.models import Forwarding
    from dutyroom.rules import retry_delay

    settings.DUTYROOM_PARENT_URL = site.base
    settings.DUTYROOM_PARENT_KEY = "k" * 32
    settings.DUTYROOM_FEEDS_ALLOW = ""
    settings.DUTYROOM_FORWARD_BACKOFF_MAX = 300
    from dutyroom.accounts.models import User
    from dutyroom.incidents.services import IncidentInput, incident_create

    now = datetime.now(UTC)
    incident = incident_create(
        actor=User.objects.get(username="liuhe-reporter"),
        now=now,
        data=IncidentInput(
            title="浏河镇储罐泄漏", category="accident", subtype="hazardous_chemicals", grade="II", occurred_at=now
        ),
    )
    forwarding = Forwarding.objects.create(
        direction="up", target="parent", kind="incident", incident=incident, next_attempt_at=now, created_at=now
    )
    assert outbound.forwarding_send(now) == 0
    failed = Forwarding.objects.get(pk=forwarding.pk)
    assert failed.state == "pending" and failed.attempts == 1 and "DUTYROOM_FEEDS_ALLOW" in failed.last_error
    assert site.seen == []
    assert timedelta(0) < failed.next_attempt_at - now <= retry_delay(1, jitter=0.2) * 1.2 + timedelta(seconds=1)

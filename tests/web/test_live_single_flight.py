"""After an event every open board asks for the new fragment in the same second: one thread renders it, the
others wait for that rendering instead of each rendering their own (views/live.py ``cached_fragment``)."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from dutyroom.web.views import live


def test_a_herd_of_misses_renders_the_fragment_once() -> None:
    live._heads.value, live._heads.at = (7, 3, 0), time.monotonic() + 3600  # a version, no database needed
    live._holders.version, live._holders.users = live.version(), frozenset()
    started, release = threading.Event(), threading.Event()
    renders: list[int] = []

    def render() -> HttpResponse:
        renders.append(1)
        started.set()
        release.wait(5)
        return HttpResponse(b"<section>board</section>")

    viewer: Any = SimpleNamespace(pk=1, role="duty_officer", unit_id=1)
    bodies: list[bytes] = []

    def ask() -> None:
        bodies.append(live.cached_fragment(RequestFactory().get("/board/fragment/"), viewer, render).content)

    first = threading.Thread(target=ask)
    first.start()
    assert started.wait(5)
    others = [threading.Thread(target=ask) for _ in range(4)]
    for thread in others:
        thread.start()
    release.set()
    for thread in [first, *others]:
        thread.join(10)
    assert len(renders) == 1 and bodies == [b"<section>board</section>"] * 5


@pytest.mark.django_db
def test_a_thousand_version_checks_after_an_event_count_unread_alerts_once(django_assert_max_num_queries) -> None:
    """The live bench on PostgreSQL: every board's check after an event counted its user's unread alerts,
    1,000 queries a second. The counts are read once per version and shared; marking read drops them."""
    from dutyroom.accounts.models import User
    from dutyroom.alerts.models import AlertEvent, Notification
    from dutyroom.alerts.services import notifications_mark_all_read
    from dutyroom.alerts.unread import unread_count
    from dutyroom.common.clock import now as clock_now

    officer = User.objects.create(username="live-officer", role="duty_officer")
    event = AlertEvent.objects.create(key="unread-test", topic="chase", text="x", created_at=clock_now())
    Notification.objects.create(event=event, user=officer, created_at=clock_now())
    with django_assert_max_num_queries(1):
        assert [unread_count(officer.pk, '"7.1.0"') for _ in range(1000)] == [1] * 1000
    notifications_mark_all_read(actor=officer, now=clock_now())
    assert unread_count(officer.pk, '"7.1.0"') == 0  # same version, but this process marked it read

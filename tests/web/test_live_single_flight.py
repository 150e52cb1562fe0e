"""After an event every open board asks for the new fragment in the same second: one thread renders it, the
others wait for that rendering instead of each rendering their own (views/live.py ``cached_fragment``)."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace
from typing import Any

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

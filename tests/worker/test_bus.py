"""Signals between processes (dutyroom/common/bus.py): a wake-up published by one process reaches a worker
listening in another, through PostgreSQL LISTEN/NOTIFY; on SQLite the process's own subscribers hear it."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from django.db import connection

from dutyroom.common import bus, wakeup


@pytest.mark.django_db(transaction=True)
def test_a_wake_up_from_another_process_wakes_this_worker() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("cross-process signals need PostgreSQL; SQLite serves from one process")
    wakeup.listen()
    assert bus.listening(timeout=10)
    wakeup.wait(0)  # clear anything pending
    settings = connection.settings_dict
    env_url = (
        f"postgresql://{settings['USER'] or 'postgres'}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    # another process (a web request's commit, here a separate Python) publishes after its commit
    code = (
        "import psycopg,sys; c=psycopg.connect(sys.argv[1], autocommit=True); "
        "c.execute(\"SELECT pg_notify('dutyroom', 'wakeup')\")"
    )
    subprocess.run([sys.executable, "-c", code, env_url], check=True)
    assert wakeup.wait(10) is True  # woken, not timed out


@pytest.mark.django_db(transaction=True)
def test_published_topics_reach_this_process_subscribers() -> None:
    heard = threading.Event()
    bus.subscribe("test-topic", lambda topic: heard.set())
    if connection.vendor == "postgresql":
        assert bus.listening(timeout=10)
    bus.publish("test-topic")
    assert heard.wait(10)

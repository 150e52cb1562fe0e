"""`kill -9` of the worker in the middle of a burst of deliveries loses nothing, and every message reaches its
receiver exactly once by delivery key (a resend after the kill carries the same id, so receivers keep one)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.alerts.conftest import Mailbox, Receiver
from tests.cli.test_cli import run

SEED = """
import django, os
from datetime import UTC, datetime
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from django.db import transaction
from dutyroom.accounts.models import User
from dutyroom.alerts.services import WebhookInput, alert_emit, webhook_create
from dutyroom.rules import AlertTopic
now = datetime.now(UTC)
User.objects.filter(username="shaxi-reporter").update(email="shaxi@example.test", phone="")
webhook_create(actor=User.objects.get(username="admin"), now=now,
               data=WebhookInput(url=os.environ["HOOK_URL"], secret="crash-test-secret", topics=["chase"]))
person = User.objects.get(username="shaxi-reporter")
with transaction.atomic():
    for n in range(120):
        alert_emit(key=f"crash:{n}", topic=AlertTopic.CHASE, recipients=[person], now=now)
"""
TOTAL = 240  # 120 alerts × (one e-mail + one webhook)
MINE = "FROM alerts_delivery d JOIN alerts_alertevent e ON e.id = d.event_id WHERE e.key LIKE 'crash:%'"


def count(db: Path, sql: str) -> int:
    with sqlite3.connect(db) as connection:
        return int(connection.execute(sql).fetchone()[0])


def start_worker(environ: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "dutyroom.cli", "worker"],
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_killing_the_worker_mid_burst_loses_no_message_and_shows_each_once(tmp_path: Path) -> None:
    assert run(tmp_path, "init", "--demo").returncode == 0
    hook, mailbox = Receiver(delay=0.03), Mailbox()
    environ = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environ.update(
        DUTYROOM_DATA_DIR=str(tmp_path),
        HOOK_URL=hook.url,
        DUTYROOM_FEEDS_ALLOW="127.0.0.1",
        DUTYROOM_SMTP_URL=f"smtp://127.0.0.1:{mailbox.port}",
        DUTYROOM_DELIVERY_LEASE="2",
    )
    try:
        seeded = subprocess.run([sys.executable, "-c", SEED], env=environ, capture_output=True, text=True, timeout=120)
        assert seeded.returncode == 0, seeded.stderr
        db = tmp_path / "dutyroom.sqlite3"
        first = start_worker(environ)
        deadline = time.monotonic() + 60
        while len(hook.requests) < 20 and time.monotonic() < deadline:
            time.sleep(0.02)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        delivered_before = count(db, f"SELECT COUNT(*) {MINE} AND d.state = 'delivered'")
        assert delivered_before < TOTAL, "the kill should land mid-burst"
        second = start_worker(environ)
        try:
            deadline = time.monotonic() + 90
            while (
                count(db, f"SELECT COUNT(*) {MINE} AND d.state = 'delivered'") < TOTAL and time.monotonic() < deadline
            ):
                time.sleep(0.2)
        finally:
            second.terminate()
            second.wait(timeout=10)
        hook_ids = [r["headers"]["x-dutyroom-delivery"] for r in hook.requests]
        with sqlite3.connect(db) as connection:
            rows = connection.execute(f"SELECT d.channel, d.uuid {MINE}").fetchall()
        wanted = {channel: {u.replace("-", "") for c, u in rows if c == channel} for channel in ("email", "webhook")}
        mail_ids = [
            m["X-DutyRoom-Delivery"].replace("-", "")
            for m in mailbox.messages
            if m["X-DutyRoom-Delivery"] and m["X-DutyRoom-Delivery"].replace("-", "") in wanted["email"]
        ]
        assert count(db, f"SELECT COUNT(*) {MINE} AND d.state = 'delivered'") == TOTAL
        assert len(set(hook_ids)) == 120 and len(set(mail_ids)) == 120, "every message arrived"
        assert {i.replace("-", "") for i in hook_ids} == wanted["webhook"]
        assert set(mail_ids) == wanted["email"]
        # at least once: a message in flight at the kill may arrive twice, but always under the same id
        assert len(hook_ids) - 120 <= 64 and len(mail_ids) - 120 <= 64
        assert (
            count(
                db,
                "SELECT COUNT(*) FROM alerts_notification n JOIN alerts_alertevent e ON e.id = n.event_id "
                "WHERE e.key LIKE 'crash:%'",
            )
            == 120
        ), "each alert shown once in the inbox"
    finally:
        hook.close()
        mailbox.controller.stop()

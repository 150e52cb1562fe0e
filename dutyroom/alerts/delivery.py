"""The delivery outbox: claim due rows, send in threads, record each attempt.

Claiming, leases and retries are the queue's (``common.queue``): a worker killed mid-send leaves its rows
``sending``; when the lease (``DUTYROOM_DELIVERY_LEASE``) runs out any worker takes them again and resends with
the same delivery id, so nothing is lost and the receiver still sees each id once. Failures back off
exponentially until ``DUTYROOM_DELIVERY_MAX_ATTEMPTS``, then the row is ``failed`` and listed for the duty room.
"""

from __future__ import annotations

import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from dutyroom.alerts import transports
from dutyroom.alerts.models import DELIVERIES, AlertEvent, Channel, Delivery, DeliveryAttempt, DeliveryState
from dutyroom.alerts.texts import LOCAL, TOPIC_ZH
from dutyroom.common import connections, wakeup
from dutyroom.common.clock import now as clock_now
from dutyroom.common.queue import Claim
from dutyroom.rules import AlertTopic

log = logging.getLogger("dutyroom.alerts")
BATCH = 64
THREADS = 8


def event_body(event: AlertEvent) -> dict[str, object]:
    """The event as ``GET /notifications`` shows it (api.md): also the webhook's JSON body."""
    return {
        "topic": event.topic,
        "incident": event.incident_id,
        "obligation": event.obligation_id,
        "text": event.text,
        "created_at": event.created_at.astimezone(LOCAL).isoformat(timespec="seconds"),
    }


def _claim(now: datetime, batch: int) -> tuple[Claim, list[Delivery]]:
    claim = DELIVERIES.claim(now, batch, lease=timedelta(seconds=settings.DUTYROOM_DELIVERY_LEASE))
    if not claim.ids:
        return claim, []
    rows = list(
        Delivery.objects.select_related("event", "webhook").filter(
            id__in=claim.ids, claimed_by=claim.token, state=DeliveryState.SENDING
        )
    )
    return claim, rows


def _send(delivery: Delivery) -> transports.Outcome:
    event, delivery_id = delivery.event, str(delivery.uuid)
    if delivery.channel == Channel.WEBHOOK:
        if delivery.webhook is None or not delivery.webhook.active:
            return transports.Outcome(False, "gone", "webhook deleted")
        body = json.dumps(event_body(event), ensure_ascii=False).encode()
        return transports.send_webhook(delivery.target, delivery.webhook.secret, body, event.topic, delivery_id)
    if delivery.channel == Channel.EMAIL:
        subject = f"[DutyRoom] {TOPIC_ZH[AlertTopic(event.topic)]}"
        return transports.send_email(delivery.target, subject, event.text, delivery_id)
    return transports.send_sms(delivery.target, event.text, delivery_id)


def _record_failure(claim: Claim, delivery: Delivery, outcome: transports.Outcome, now: datetime) -> bool:
    return DELIVERIES.retry(
        claim,
        delivery.pk,
        attempts=delivery.attempts,
        error=f"{outcome.status} {outcome.error}".strip(),
        now=now,
        max_attempts=settings.DUTYROOM_DELIVERY_MAX_ATTEMPTS,
        give_up=outcome.status == "gone",
    )


def _record(claim: Claim, rows: list[Delivery], outcomes: list[transports.Outcome], now: datetime) -> None:
    """One transaction per batch: successes in one UPDATE (still guarded by our claim), failures one by one."""
    with transaction.atomic():
        ok = [d.pk for d, o in zip(rows, outcomes, strict=True) if o.ok]
        if ok:
            DELIVERIES.finish(claim, ok, now)
        recorded = [
            DeliveryAttempt(delivery=d, at=now, status=o.status, error=o.error)
            for d, o in zip(rows, outcomes, strict=True)
            if o.ok or _record_failure(claim, d, o, now)
        ]
        DeliveryAttempt.objects.bulk_create(recorded)


def deliveries_send(now: datetime | None = None, batch: int = BATCH, pool: ThreadPoolExecutor | None = None) -> int:
    """Claim and send one batch; returns how many were attempted."""
    claim, rows = _claim(now or clock_now(), batch)
    if not rows:
        return 0
    outcomes = [_send(d) for d in rows] if pool is None else list(pool.map(_send, rows))
    _record(claim, rows, outcomes, clock_now())
    return len(rows)


def seconds_until_next_delivery(now: datetime, cap: float) -> float:
    nxt = (
        Delivery.objects.filter(state=DeliveryState.PENDING)
        .order_by("next_at")
        .values_list("next_at", flat=True)
        .first()
    )
    return cap if nxt is None else max(0.0, min(cap, (nxt - now).total_seconds()))


def delivery_loop(stop: threading.Event, cap: float = 0.5) -> None:
    """Runs beside the deadline loop (its own thread) so a slow receiver never delays an overdue flip."""
    with ThreadPoolExecutor(THREADS, thread_name_prefix="dutyroom-send") as pool:
        while not stop.is_set():
            failed = False
            try:
                sent = deliveries_send(batch=BATCH, pool=pool)
                pause = 0.0 if sent else seconds_until_next_delivery(clock_now(), cap)
            except Exception:  # keep delivering after a lost connection; state is safe in the database
                log.exception("delivery step failed; retrying")
                failed, pause = True, 1.0
            connections.step_done(failed=failed)
            if pause > 0:
                wakeup.wait_deliveries(pause)
    connections.loop_done()

"""`make bench ONLY=alerts`: webhook delivery throughput and duplicates (docs/bench.md).

N alerts (BENCH_ALERTS_N, default 10,000) each with one webhook delivery to a local HTTP receiver that keeps
every X-DutyRoom-Delivery id. The worker's delivery step (claim by compare-and-set, send in 8 threads,
record) runs until all are delivered. Baseline in the same run: bare signed POSTs from 8 threads with no
database. Figures: webhook_per_s, webhook_duplicates (received twice by delivery id), webhook_missing,
webhook_failed. SQLite always, PostgreSQL too when BENCH_PG_URL (or a PostgreSQL DATABASE_URL) is set.
Asserts nothing.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.figures import Figure, figure, run_per_database

N = int(os.environ.get("BENCH_ALERTS_N", "10000"))


class Server(ThreadingHTTPServer):
    request_queue_size = 1024  # the default backlog of 5 drops connections from 8 senders (1 s SYN retry)
    daemon_threads = True


class Receiver:
    def __init__(self) -> None:
        self.ids: list[str] = []
        self.lock = threading.Lock()
        box = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with box.lock:
                    box.ids.append(self.headers.get("X-DutyRoom-Delivery", ""))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"


def bare_rate(url: str, count: int) -> float:
    from dutyroom.alerts import transports
    from dutyroom.alerts.delivery import THREADS

    body = b'{"topic":"chase","incident":null,"obligation":null,"text":"x","created_at":"2026-01-01T00:00:00+08:00"}'
    start = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(lambda i: transports.send_webhook(url, "bench-secret", body, "chase", f"bare-{i}"), range(count)))
    return count / (time.perf_counter() - start)


def measure(db: str) -> list[Figure]:
    from django.db import transaction

    from dutyroom.accounts.models import User
    from dutyroom.alerts.delivery import THREADS, deliveries_send
    from dutyroom.alerts.models import Delivery
    from dutyroom.alerts.services import WebhookInput, alert_emit, webhook_create
    from dutyroom.common.clock import now as clock_now
    from dutyroom.rules import AlertTopic

    print(f"alerts: {N} webhook deliveries to a local receiver on {db} (BENCH_ALERTS_N)", flush=True)
    receiver = Receiver()
    webhook_create(
        actor=User.objects.get(username="admin"),
        now=clock_now(),
        data=WebhookInput(url=receiver.url, secret="bench-secret-0", topics=[]),
    )
    now = clock_now()
    for start in range(0, N, 500):
        with transaction.atomic():
            for i in range(start, min(N, start + 500)):
                alert_emit(key=f"bench:{i}", topic=AlertTopic.CHASE, recipients=[], now=now)
    begin = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        while Delivery.objects.filter(state__in=("pending", "sending")).exists():
            deliveries_send(clock_now(), batch=200, pool=pool)
            done = Delivery.objects.filter(state="delivered").count()
            print(f"\r  delivered {done}/{N}", end="", flush=True)
    elapsed = time.perf_counter() - begin
    print(flush=True)
    received = list(receiver.ids)
    unique = set(received)
    baseline = bare_rate(receiver.url, min(N, 2000))
    duplicates, missing = len(received) - len(unique), N - len(unique)
    failed = Delivery.objects.filter(state="failed").count()
    return [
        figure("webhook_per_s", N / elapsed, "msg/s", baseline=baseline, db=db),
        figure("webhook_duplicates", duplicates, "count", goal="0", met=duplicates == 0, db=db),
        figure("webhook_missing", missing, "count", goal="0", met=missing == 0, db=db),
        figure("webhook_failed", failed, "count", goal="0", met=failed == 0, db=db),
    ]


if __name__ == "__main__":
    run_per_database("alerts", measure)

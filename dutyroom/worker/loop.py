"""The deadline worker: turns pending obligations overdue at their due time and delivers the outbox.

Design (docs/adr/0001-worker-compare-and-set.md): statutory clocks are domain rows, not broker tasks. The loop
sweeps (``worker.sweep``) the partial index of pending obligations by ``due_at``, claims each by compare-and-set
(``UPDATE … WHERE state='pending'`` must change exactly one row), and sleeps until the next due time,
capped at ``MAX_SLEEP`` and woken early in-process when a nearer deadline is written. Any number of
workers may run: the CAS makes each transition happen once, and a crash loses nothing because every
obligation and event lives in the database until its transition commits.
"""

from __future__ import annotations

import gc
import logging
import os
import socket
import threading
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Min

from dutyroom.alerts.delivery import delivery_loop
from dutyroom.common import connections, wakeup
from dutyroom.common.clock import now as clock_now
from dutyroom.common.memo import SWEEP_KEEP
from dutyroom.obligations.models import Obligation
from dutyroom.rules import ObligationState
from dutyroom.worker.jobs import JobSchedule
from dutyroom.worker.sweep import BATCH, obligations_sweep

log = logging.getLogger("dutyroom.worker")
MAX_SLEEP = 1.0  # the fallback only: a nearer deadline wakes the loop at once (in-process; by NOTIFY)
# When a sweep found a full batch the worker is behind (a burst): the next sweeps take bigger batches, which cost
# less a clock (the roster, staff and preferences are read once a batch, and on PostgreSQL each statement is a
# round trip): 0.46 → 0.40 ms a clock at 400 on SQLite. Measured on the worker bench's burst (100,000 clocks in
# 60 s): SQLite's one worker needs 400 to keep up (p99 225 ms; at 200 it fell 3.7 s behind); PostgreSQL's two
# workers share the burst and wait less behind smaller batches (p99 204 ms at 200, 300–390 ms at 400).
CATCH_UP_BATCH = {"sqlite": 400, "postgresql": 200}


def catch_up_batch() -> int:
    return CATCH_UP_BATCH.get(connection.vendor, 200)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def seconds_until_next_due(now: datetime) -> float:
    next_due = Obligation.objects.filter(state=ObligationState.PENDING).aggregate(m=Min("due_at"))["m"]
    if next_due is None:
        return MAX_SLEEP
    return max(0.0, min(MAX_SLEEP, (next_due - now).total_seconds()))


@dataclass
class Worker:
    """One worker: the deadline loop in the calling thread, the periodic jobs (alert ladder, outbox fan-out, feeds,
    audit sealing …) in a thread of their own, deliveries in a third. ``stop`` ends all three after their step.

    The jobs used to run after every sweep in the same loop: in a burst (the worker bench: 100,000 clocks due in a
    minute) each pass fired 100 clocks and then spent a second alerting about 200, so the flips fell minutes
    behind. Apart, a flip never waits for a job. The overdue alert itself is written by the sweep, with the flip
    (``worker.sweep``); the jobs thread's ladder sends reminders and escalations."""

    stop: threading.Event
    batch: int = BATCH  # this sweep's size: catch_up_batch() while behind
    behind: bool = False  # the last sweep found a full batch
    busy: bool = False  # the last sweep fired a clock

    def run_once(self) -> int:
        """One deadline sweep; returns how many clocks this worker fired."""
        # while the last sweep fired something (a burst) the alerts' reads serve the next sweeps for a second
        fired = obligations_sweep(clock_now(), self.batch, keep=SWEEP_KEEP if self.busy else 0.0)
        self.busy = fired > 0
        self.behind = fired >= self.batch
        self.batch = catch_up_batch() if self.behind else BATCH
        return fired

    def pause_after(self) -> float:
        """Seconds to sleep: none while the last sweep fired a full batch, else until the next deadline (capped)."""
        if self.behind:
            return 0.0
        return seconds_until_next_due(clock_now())

    def jobs_forever(self) -> None:
        """Run each job when it asked to (at once while one says more is waiting: a burst), after its idle period,
        or when woken by new work; sleep in between."""
        schedule = JobSchedule()
        woken = True
        while not self.stop.is_set():
            try:
                next_at = schedule.run_due(clock_now(), woken=woken)
            except Exception:  # jobs_run contains each job's failure; this is a lost connection or worse
                log.exception("worker jobs pass failed; retrying")
                connections.step_done(failed=True)
                self.stop.wait(1.0)
                continue
            connections.step_done()
            pause = (next_at - clock_now()).total_seconds()
            woken = wakeup.wait_jobs(pause) if pause > 0 else False
        connections.loop_done()

    def run_forever(self) -> None:
        log.info("deadline worker %s started", worker_name())
        _freeze_startup_objects()
        wakeup.listen()
        sender = threading.Thread(target=delivery_loop, args=(self.stop,), name="dutyroom-delivery", daemon=True)
        sender.start()  # e-mail, SMS and webhooks beside the clocks, so a slow receiver never delays a flip
        jobs = threading.Thread(target=self.jobs_forever, name="dutyroom-jobs", daemon=True)
        jobs.start()
        while not self.stop.is_set():
            failed = False
            try:
                fired = self.run_once()
                if fired:
                    log.info("marked %d obligation(s) overdue", fired)
                pause = self.pause_after()
            except Exception:  # the loop must survive a lost connection; state is safe in the database
                log.exception("worker step failed; retrying")
                failed, pause = True, 1.0
            connections.step_done(failed=failed)  # kept between sweeps (see common.connections)
            if pause > 0:
                wakeup.wait(pause)
        connections.loop_done()
        jobs.join(timeout=30)  # let a job's transaction finish before the process (or a test) moves on
        log.info("deadline worker stopped")


_frozen = threading.Lock()


def _freeze_startup_objects() -> None:
    """Move everything allocated so far (Django, the app, the rulebook: ~90,000 objects) out of the cyclic
    garbage collector's reach, once per process. In a burst the worker allocates model instances by the
    hundred thousand and every full collection walked the startup heap again: 0.79 → 0.65 ms a fired clock
    at 100,000 clocks (the worker bench). Objects are still freed by reference counting; only cycles among
    the frozen ones would outlive their use, and startup objects live as long as the process anyway."""
    if _frozen.acquire(blocking=False):
        gc.collect()
        gc.freeze()


def start_in_thread() -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(target=Worker(stop).run_forever, name="dutyroom-worker", daemon=True)
    thread.start()
    return thread, stop

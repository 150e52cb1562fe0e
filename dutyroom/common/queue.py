"""One way for workers to share a table of work: claim by compare-and-set with a lease, finish, release, retry with
the one backoff (``rules.retry_delay``), give up after N attempts.

Three tables are queues: the outbox (``notifications.OutboxEvent``), alert deliveries (``alerts.Delivery``) and
forwardings to other instances (``interop.Forwarding``). Each kept its own claim, lease and retry, with small
differences no one had chosen (one claimed row by row, one in two statements, one never looked at a lease); a
fix to one did not reach the others. They now share these rules:

- A row is ``pending`` until its due column has come, ``sending`` while a worker holds it, then ``delivered``
  or, after the last attempt, ``failed`` (a queue that never gives up has no ``failed``).
- Claiming is one UPDATE guarded by the state the rows were read in, stamping a token of this claim
  (``claimed_by``) and a lease (``claimed_until``): however many workers claim at once, each row goes to one
  of them (the UPDATE re-checks the guard on the row it is about to change), and the claimer learns which rows
  are its own by its token. A worker that dies mid-send leaves its rows ``sending``; when the lease runs out any
  worker claims them again, so nothing is lost (the receiver deduplicates by the row's id).
- Finishing, retrying and releasing change only rows still held by the same token: a worker whose lease ran
  out and whose rows were taken over cannot overwrite the new holder's outcome.
- A row whose work is done inside the claiming transaction itself (the outbox's routing: the alert is written
  in the same transaction) needs no lease: ``take`` moves it from ``pending`` to ``delivered`` by
  compare-and-set, and a crash rolls both back.

Columns every queue table has: ``state``, ``attempts``, ``claimed_by``, ``claimed_until``, ``delivered_at`` and
``last_error`` (``take`` needs only ``state``, ``attempts`` and ``delivered_at``); the due column is named per
queue.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import models
from django.db.models import F, Q

from dutyroom.rules import retry_delay

PENDING = "pending"
SENDING = "sending"
DELIVERED = "delivered"
FAILED = "failed"


@dataclass(frozen=True)
class Claim:
    """The rows one claim won, in due order, and the token that proves they are still this worker's."""

    token: str
    ids: list[int]


@dataclass(frozen=True)
class Queue:
    """A table of work; ``due`` names the column that says when a pending row may be tried next."""

    model: type[models.Model]
    due: str

    def _claimable(self, now: datetime) -> Q:
        # a pending row whose time has come, or a row whose holder's lease ran out (a worker died mid-send)
        return Q(state=PENDING, **{f"{self.due}__lte": now}) | Q(state=SENDING, claimed_until__lt=now)

    def _held(self, claim: Claim, ids: Iterable[int]) -> models.QuerySet[Any]:
        return self.model._default_manager.filter(pk__in=list(ids), state=SENDING, claimed_by=claim.token)

    def claim(self, now: datetime, batch: int, *, lease: timedelta) -> Claim:
        """Up to ``batch`` claimable rows, oldest due first, held until ``now + lease``."""
        token = uuid.uuid4().hex[:16]
        manager = self.model._default_manager
        ids = list(manager.filter(self._claimable(now)).order_by(self.due, "pk").values_list("pk", flat=True)[:batch])
        if not ids:
            return Claim(token, [])
        manager.filter(self._claimable(now), pk__in=ids).update(
            state=SENDING, claimed_by=token, claimed_until=now + lease
        )
        won = set(manager.filter(pk__in=ids, state=SENDING, claimed_by=token).values_list("pk", flat=True))
        return Claim(token, [pk for pk in ids if pk in won])

    def finish(self, claim: Claim, ids: Iterable[int], now: datetime, **columns: Any) -> int:
        """Delivered: the rows still held by ``claim`` (one attempt more, its error cleared, ``columns`` written
        beside). Returns how many were still held."""
        return self._held(claim, ids).update(
            state=DELIVERED, delivered_at=now, attempts=F("attempts") + 1, last_error="", **columns
        )

    def retry(
        self,
        claim: Claim,
        pk: int,
        *,
        attempts: int,
        error: str,
        now: datetime,
        max_attempts: int | None = None,
        give_up: bool = False,
        cap_seconds: float | None = None,
    ) -> bool:
        """A failed attempt of one held row, whose ``attempts`` were counted when it was claimed: back to pending
        after the backoff of ``rules.retry_delay`` (capped at ``cap_seconds``), or ``failed`` when it was the
        ``max_attempts``-th attempt or ``give_up`` (no retry can help: the webhook is gone). A queue with no
        ``max_attempts`` retries for ever. Returns whether the row was still held."""
        attempts += 1
        held = self._held(claim, [pk])
        if give_up or (max_attempts is not None and attempts >= max_attempts):
            return bool(held.update(state=FAILED, attempts=attempts, last_error=error))
        delay = retry_delay(attempts) if cap_seconds is None else retry_delay(attempts, cap_seconds=cap_seconds)
        return bool(
            held.update(
                state=PENDING,
                attempts=attempts,
                last_error=error,
                claimed_until=None,
                **{self.due: now + delay},
            )
        )

    def release(self, claim: Claim, ids: Iterable[int]) -> int:
        """Give held rows back untried (a worker stopping before it sent them): pending again at once, no attempt
        counted, so another worker need not wait for the lease. Returns how many were still held."""
        return self._held(claim, ids).update(state=PENDING, claimed_by="", claimed_until=None)

    def requeue(self, pk: int, now: datetime) -> bool:
        """A failed row back to pending, due ``now`` (a person retries it by hand); False if it had not failed."""
        return bool(
            self.model._default_manager.filter(pk=pk, state=FAILED).update(
                state=PENDING, claimed_until=None, **{self.due: now}
            )
        )

    def take(self, ids: Iterable[int], now: datetime) -> int:
        """Pending rows to delivered by compare-and-set, for work done in the caller's transaction: with one id,
        1 means this worker does that row's work (0: another did); returns how many rows changed."""
        return self.model._default_manager.filter(pk__in=list(ids), state=PENDING).update(
            state=DELIVERED, delivered_at=now, attempts=F("attempts") + 1
        )

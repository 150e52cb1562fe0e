"""The one queue primitive (``common.queue``) that the outbox, alert deliveries and forwardings share: a row goes to
one worker at a time, a dead worker's rows come back when its lease runs out, failures back off and give up.

Exercised on forwardings (a real queue table), on whichever engine the suite runs."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, connections

from dutyroom.common.queue import Claim
from dutyroom.interop.models import FORWARDINGS, Forwarding, ForwardingKind
from dutyroom.notifications.models import OUTBOX, OutboxEvent
from dutyroom.orgs.models import Unit

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)


def rows(n: int, due: datetime = NOW, **extra: object) -> list[int]:
    made = Forwarding.objects.bulk_create(
        [
            Forwarding(target="suzhou", kind=ForwardingKind.INCIDENT, next_attempt_at=due, created_at=due, **extra)
            for _ in range(n)
        ]
    )
    return [f.pk for f in made]


def states(ids: list[int]) -> list[str]:
    return [Forwarding.objects.get(pk=pk).state for pk in ids]


@pytest.mark.django_db
def test_a_claim_takes_due_rows_oldest_first_and_no_one_else_gets_them_while_the_lease_holds():
    later = rows(1, NOW - timedelta(seconds=1))
    oldest = rows(1, NOW - timedelta(minutes=5))
    future = rows(1, NOW + timedelta(hours=1))
    done = rows(1, state="delivered")
    claim = FORWARDINGS.claim(NOW, 10, lease=LEASE)
    assert claim.ids == oldest + later
    assert states(oldest + later) == ["sending", "sending"] and states(future + done) == ["pending", "delivered"]
    assert FORWARDINGS.claim(NOW + LEASE, 10, lease=LEASE).ids == []  # the lease still holds at its last instant


@pytest.mark.django_db
def test_a_dead_workers_rows_return_when_its_lease_runs_out_and_its_late_answer_changes_nothing():
    ids = rows(2)
    dead = FORWARDINGS.claim(NOW, 10, lease=LEASE)
    after = NOW + LEASE + timedelta(seconds=1)
    heir = FORWARDINGS.claim(after, 10, lease=LEASE)
    assert heir.ids == ids and heir.token != dead.token
    assert FORWARDINGS.finish(dead, ids, after) == 0  # the dead worker wakes up: its claim is no longer its own
    assert FORWARDINGS.retry(dead, ids[0], attempts=0, error="late", now=after) is False
    assert FORWARDINGS.finish(heir, ids, after, receipt={"ok": True}) == 2
    row = Forwarding.objects.get(pk=ids[0])
    assert (row.state, row.attempts, row.delivered_at, row.receipt, row.last_error) == (
        "delivered",
        1,
        after,
        {"ok": True},
        "",
    )


@pytest.mark.django_db
def test_a_failure_backs_off_by_the_one_backoff_then_gives_up_after_the_last_attempt():
    (pk,) = rows(1)
    waits = []
    now = NOW
    for attempt in (1, 2, 3):
        claim = FORWARDINGS.claim(now, 10, lease=LEASE)
        assert claim.ids == [pk]
        row = Forwarding.objects.get(pk=pk)
        assert FORWARDINGS.retry(
            claim, pk, attempts=row.attempts, error=f"HTTP 503 #{attempt}", now=now, max_attempts=4
        )
        row = Forwarding.objects.get(pk=pk)
        assert (row.state, row.attempts, row.last_error, row.claimed_until) == (
            "pending",
            attempt,
            f"HTTP 503 #{attempt}",
            None,
        )
        waits.append((row.next_attempt_at - now).total_seconds())
        assert FORWARDINGS.claim(row.next_attempt_at - timedelta(microseconds=1), 10, lease=LEASE).ids == []
        now = row.next_attempt_at
    # ~1 s, 2 s, 4 s, each lengthened by at most a fifth (rules.retry_delay)
    assert [1 <= waits[0] <= 1.2, 2 <= waits[1] <= 2.4, 4 <= waits[2] <= 4.8] == [True, True, True]
    claim = FORWARDINGS.claim(now, 10, lease=LEASE)
    assert FORWARDINGS.retry(claim, pk, attempts=3, error="HTTP 503", now=now, max_attempts=4)
    assert (Forwarding.objects.get(pk=pk).state, Forwarding.objects.get(pk=pk).attempts) == ("failed", 4)
    assert FORWARDINGS.claim(now + timedelta(days=1), 10, lease=LEASE).ids == []


@pytest.mark.django_db
def test_a_backoff_is_capped_and_a_queue_without_a_last_attempt_retries_for_ever():
    (pk,) = rows(1)
    claim = FORWARDINGS.claim(NOW, 10, lease=LEASE)
    assert FORWARDINGS.retry(claim, pk, attempts=40, error="down", now=NOW, cap_seconds=30)
    row = Forwarding.objects.get(pk=pk)
    assert row.state == "pending" and row.attempts == 41
    assert 30 <= (row.next_attempt_at - NOW).total_seconds() <= 36


@pytest.mark.django_db
def test_a_hopeless_failure_gives_up_at_once_and_a_person_can_put_it_back():
    (pk,) = rows(1)
    claim = FORWARDINGS.claim(NOW, 10, lease=LEASE)
    assert FORWARDINGS.retry(claim, pk, attempts=0, error="gone", now=NOW, max_attempts=8, give_up=True)
    assert states([pk]) == ["failed"]
    assert FORWARDINGS.requeue(pk, NOW + timedelta(hours=1))
    assert FORWARDINGS.requeue(pk, NOW + timedelta(hours=1)) is False  # only a failed row goes back
    assert FORWARDINGS.claim(NOW + timedelta(hours=1), 10, lease=LEASE).ids == [pk]


@pytest.mark.django_db
def test_released_rows_are_pending_again_at_once_with_no_attempt_counted():
    ids = rows(3)
    claim = FORWARDINGS.claim(NOW, 10, lease=LEASE)
    assert FORWARDINGS.release(claim, ids[1:]) == 2
    assert FORWARDINGS.release(Claim("someone-else", ids), ids) == 0
    assert FORWARDINGS.claim(NOW, 10, lease=LEASE).ids == ids[1:]
    assert [Forwarding.objects.get(pk=pk).attempts for pk in ids] == [0, 0, 0]


@pytest.mark.django_db
def test_work_done_in_the_claiming_transaction_is_taken_once(city):
    unit = Unit.objects.get(code="shaxi")
    events = OutboxEvent.objects.bulk_create(
        [OutboxEvent(topic="t", unit=unit, available_at=NOW, created_at=NOW) for _ in range(3)]
    )
    ids = [e.pk for e in events]
    assert OUTBOX.take(ids[:1], NOW) == 1
    assert OUTBOX.take(ids[:1], NOW) == 0  # a second worker learns the event is done
    assert OUTBOX.take(ids, NOW) == 2
    assert set(OutboxEvent.objects.filter(pk__in=ids).values_list("state", "attempts", "delivered_at")) == {
        ("delivered", 1, NOW)
    }


# two claimers at the same instant, many times: the race is real on PostgreSQL (row locks under READ COMMITTED);
# SQLite's one writer serialises them
RACES = 40 if connection.vendor == "postgresql" else 5


def claim_together(now: datetime, batch: int) -> list[Claim]:
    """Two workers, each on its own connection, claim at the same instant."""
    start = threading.Barrier(2)
    won: list[Claim] = []
    failures: list[BaseException] = []

    def claimer() -> None:
        try:
            start.wait()
            won.append(FORWARDINGS.claim(now, batch, lease=LEASE))
        except BaseException as error:
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claimer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    return won


@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_at_the_same_moment_never_claim_one_row_twice():
    for race in range(RACES):
        ids = rows(30, NOW + timedelta(days=race))
        now = NOW + timedelta(days=race, seconds=1)
        won = claim_together(now, 20)
        first, second = (set(claim.ids) for claim in won)
        assert not first & second, f"race {race}: claimed twice"
        assert len(first | second) >= 20  # the one that came second found the first's rows taken
        assert set(FORWARDINGS.claim(now, 30, lease=LEASE).ids) == set(ids) - first - second  # none lost
        for claim in won:
            assert set(
                Forwarding.objects.filter(pk__in=claim.ids, claimed_by=claim.token).values_list("pk", flat=True)
            ) == set(claim.ids)
        Forwarding.objects.filter(pk__in=ids).update(state="delivered")  # out of the next race's way

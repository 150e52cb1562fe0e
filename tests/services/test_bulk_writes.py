"""The worker's lean bulk writes (``common.engine.bulk``) store exactly what the ORM stores, on either database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import DatabaseError

from dutyroom.common.engine.bulk import insert_many, insert_rows, save_fields, update_column, update_columns
from dutyroom.incidents.models import Incident
from dutyroom.notifications.models import OutboxEvent, OutboxState
from dutyroom.obligations.models import Obligation
from dutyroom.orgs.models import Unit

pytestmark = pytest.mark.django_db

AT = datetime(2026, 11, 29, 8, 30, 15, 123456, tzinfo=UTC)


def event(unit: Unit, n: int, payload: dict[str, object]) -> OutboxEvent:
    return OutboxEvent(
        topic="obligation.overdue",
        unit=unit,
        incident_id=None,
        obligation_id=n,
        payload=payload,
        sensitive=n % 2 == 0,
        available_at=AT,
        created_at=AT + timedelta(seconds=n),
    )


def test_rows_written_in_bulk_read_back_as_the_orm_writes_them(city):
    unit = Unit.objects.get(code="shaxi")
    payload = {"title": "沙溪镇“仓库”火灾", "due_at": AT.isoformat(), "n": [1, 2.5, None, True]}
    lean = insert_many([event(unit, n, payload) for n in range(1, 1201)], returning_ids=True)  # three statements
    orm = OutboxEvent.objects.bulk_create([event(unit, n, payload) for n in range(1, 3)])
    assert len({e.pk for e in lean}) == 1200 and all(e.pk for e in lean)
    for written, reference in ((lean[0], orm[0]), (lean[1], orm[1])):
        mine = OutboxEvent.objects.get(pk=written.pk)
        theirs = OutboxEvent.objects.get(pk=reference.pk)
        for field in (
            "topic",
            "unit_id",
            "incident_id",
            "obligation_id",
            "payload",
            "sensitive",
            "state",
            "attempts",
            "available_at",
            "delivered_at",
            "created_at",
        ):
            assert getattr(mine, field) == getattr(theirs, field), field
    assert OutboxEvent.objects.filter(available_at=AT, state=OutboxState.PENDING, payload__n__1=2.5).count() == 1202
    assert OutboxEvent.objects.get(pk=lean[-1].pk).obligation_id == 1200, "ids come back in insert order"


def test_one_column_of_many_rows_takes_each_rows_value_and_null(city):
    unit = Unit.objects.get(code="shaxi")
    rows = Obligation.objects.bulk_create(
        [
            Obligation(
                key=f"bulk:{n}", unit=unit, kind="first_report", due_at=AT, anchor_at=AT, rule="test", created_at=AT
            )
            for n in range(700)
        ]
    )
    wanted = {o.pk: (None if n % 3 == 0 else AT + timedelta(minutes=n)) for n, o in enumerate(rows)}
    update_column(Obligation, "ladder_at", wanted)
    assert dict(Obligation.objects.filter(key__startswith="bulk:").values_list("id", "ladder_at")) == wanted
    update_column(Obligation, "ladder_at", {rows[0].pk: None, rows[3].pk: None})  # nothing but NULL
    assert Obligation.objects.get(pk=rows[3].pk).ladder_at is None


def test_several_columns_of_many_rows_take_each_rows_values(city):
    unit = Unit.objects.get(code="shaxi")
    rows = insert_many([event(unit, n, {"n": n}) for n in range(1, 701)], returning_ids=True)
    wanted = {
        e.pk: (f"topic-{n}", n, {"seen": n} if n % 2 else ["list", n], AT + timedelta(seconds=n))
        for n, e in enumerate(rows)
    }
    update_columns(OutboxEvent, ["topic", "attempts", "payload", "delivered_at"], wanted)
    got = {
        e.pk: (e.topic, e.attempts, e.payload, e.delivered_at) for e in OutboxEvent.objects.filter(pk__in=list(wanted))
    }
    assert got == wanted


def test_a_compare_and_set_leaves_rows_that_no_longer_hold_the_expected_value(city):
    """The sweep's flip: only clocks still pending change, and the count says how many did (on both engines, in
    statements of 500 rows)."""
    unit = Unit.objects.get(code="shaxi")
    rows = Obligation.objects.bulk_create(
        [
            Obligation(
                key=f"cas:{n}", unit=unit, kind="first_report", due_at=AT, anchor_at=AT, rule="test", created_at=AT
            )
            for n in range(600)
        ]
    )
    met = {o.pk for o in rows[::7]}
    Obligation.objects.filter(pk__in=met).update(state="met")
    changed = update_columns(
        Obligation, ["state", "overdue_at"], {o.pk: ("overdue", AT) for o in rows}, expect={"state": "pending"}
    )
    assert changed == 600 - len(met)
    states = dict(Obligation.objects.filter(key__startswith="cas:").values_list("id", "state"))
    assert {pk for pk, state in states.items() if state == "met"} == met
    assert Obligation.objects.filter(key__startswith="cas:", state="overdue", overdue_at=AT).count() == changed


def test_rows_inserted_as_tuples_take_the_defaults_of_the_columns_not_given(city):
    """The burst's inbox rows and ladder marks are written as plain rows: what is not given is the field's default
    (pending, no attempts, not delivered), as ``bulk_create`` would store it; ids come back in insert order, with
    and without them asked for, on both engines and across statements of 500 rows."""
    unit = Unit.objects.get(code="shaxi")
    names = ("topic", "unit_id", "obligation_id", "payload", "available_at", "created_at")
    rows = [
        ("obligation.overdue", unit.pk, n, {"n": n, "名": "沙溪"}, AT, AT + timedelta(seconds=n))
        for n in range(1, 1101)
    ]
    ids = insert_rows(OutboxEvent, names, rows, returning_ids=True)
    assert insert_rows(OutboxEvent, names, rows[:3]) == []  # without RETURNING (executemany on SQLite)
    reference = OutboxEvent.objects.bulk_create([event(unit, 1, {"n": 1, "名": "沙溪"})])[0]
    assert len(ids) == 1100 and OutboxEvent.objects.get(pk=ids[-1]).obligation_id == 1100
    mine, theirs = OutboxEvent.objects.get(pk=ids[0]), OutboxEvent.objects.get(pk=reference.pk)
    for field in ("state", "attempts", "delivered_at", "incident_id", "sensitive"):
        assert getattr(mine, field) == getattr(theirs, field), field
    assert mine.payload == {"n": 1, "名": "沙溪"} and mine.available_at == AT
    assert OutboxEvent.objects.filter(obligation_id__lte=3, unit=unit).count() == 3 * 2 + 1
    with pytest.raises(AssertionError, match="not columns"):
        insert_rows(OutboxEvent, ("topic", "nonsense"), [("x", 1)])


def test_saving_named_fields_writes_what_the_orms_save_writes_and_a_missing_row_is_an_error(city):
    """The report write path saves the incident and the met clock through ``save_fields``."""
    unit = Unit.objects.get(code="shaxi")
    ours, theirs = (
        OutboxEvent.objects.create(
            topic="report.received", unit=unit, payload={}, available_at=AT, created_at=AT, sensitive=False
        )
        for _ in range(2)
    )
    other = Unit.objects.get(code="liuhe")
    for event_ in (ours, theirs):
        event_.payload = {"title": "浏河镇“储罐”泄漏", "n": [1, None]}
        event_.unit = other
        event_.available_at = AT + timedelta(minutes=3)
        event_.attempts = 2
    names = ["payload", "unit", "available_at", "attempts"]
    save_fields(ours, names)
    theirs.save(update_fields=names)
    mine, reference = (OutboxEvent.objects.get(pk=e.pk) for e in (ours, theirs))
    assert [getattr(mine, n) for n in names] == [getattr(reference, n) for n in names]
    assert mine.unit_id == other.pk and mine.payload["n"] == [1, None]
    assert mine.topic == "report.received"  # a field not named is left alone
    gone = Incident(pk=10**9, figures={})
    with pytest.raises(DatabaseError):
        save_fields(gone, ["figures"])

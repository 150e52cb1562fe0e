"""Obligations moved from the reports app to their own floor without touching the table.

A database made by the previous version (obligations in ``reports``) must migrate forward keeping every clock,
and the move must be reversible. Run on SQLite and PostgreSQL by CI.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("reports", "0002_report_incident_optional"), ("obligations", None)]
OLD_STATE = [("reports", "0002_report_incident_optional"), ("incidents", "0002_incident_initial_severity")]


def migrate(targets: list[tuple[str, str | None]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection)


def latest() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    return list(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_a_database_from_before_the_move_keeps_every_clock() -> None:
    old_apps = migrate(BEFORE).loader.project_state(OLD_STATE).apps
    unit = old_apps.get_model("orgs", "Unit").objects.create(code="shaxi", name="沙溪镇", kind="town")
    snapshot = old_apps.get_model("incidents", "RulebookSnapshot").objects.create(
        ref="taicang-2017@1",
        rulebook_id="taicang-2017",
        version=1,
        sha256="0" * 64,
        text="x",
        loaded_at=datetime.now(UTC),
    )
    now = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    incident = old_apps.get_model("incidents", "Incident").objects.create(
        title="旧库中的事件",
        category="accident",
        occurred_at=now,
        unit=unit,
        rulebook=snapshot,
        created_at=now,
        updated_at=now,
    )
    old_obligation = old_apps.get_model("reports", "Obligation").objects.create(
        key="incident:1:first_report",
        incident=incident,
        unit=unit,
        kind="first_report",
        state="late",
        due_at=now + timedelta(minutes=45),
        anchor_at=now,
        rule="taicang-2017@1/first-report",
        met_at=now + timedelta(minutes=50),
        late_by_seconds=300,
        created_at=now,
    )

    migrate(latest())

    from dutyroom.obligations.models import Obligation

    moved = Obligation.objects.get(pk=old_obligation.pk)
    assert (moved.key, moved.state, moved.late_by_seconds, moved.incident_id, moved.unit_id) == (
        "incident:1:first_report",
        "late",
        300,
        incident.pk,
        unit.pk,
    )
    assert moved.due_at == now + timedelta(minutes=45)
    assert Obligation._meta.db_table == "reports_obligation"

    # and back again: the previous version's code would still find its rows
    back = migrate(BEFORE).loader.project_state(OLD_STATE).apps
    assert back.get_model("reports", "Obligation").objects.get(pk=old_obligation.pk).late_by_seconds == 300
    migrate(latest())

"""Follow-ups are numbered from a counter on the incident: a database from before the counter gets it filled from
the follow-ups already filed, so the next one is numbered after them, never twice. Run on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("incidents", "0005_issue9_occurred_index"), ("reports", "0005_unknown_figures_are_null")]


def migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection)


@pytest.mark.django_db(transaction=True)
def test_the_counter_starts_after_the_follow_ups_already_filed() -> None:
    latest = list(MigrationExecutor(connection).loader.graph.leaf_nodes())
    old = migrate(BEFORE).loader.project_state(BEFORE).apps
    unit = old.get_model("orgs", "Unit").objects.create(code="shaxi-old", name="沙溪镇", kind="town")
    snapshot = old.get_model("incidents", "RulebookSnapshot").objects.create(
        ref="old@1", rulebook_id="old", version=1, sha256="0" * 64, text="x", loaded_at=datetime.now(UTC)
    )
    now = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    Incident = old.get_model("incidents", "Incident")
    with_followups, without = (
        Incident.objects.create(
            title=title,
            category="accident",
            occurred_at=now,
            unit=unit,
            rulebook=snapshot,
            created_at=now,
            updated_at=now,
        )
        for title in ("有续报", "无续报")
    )
    Report = old.get_model("reports", "Report")
    for kind, number in (("written", None), ("followup", 1), ("followup", 2), ("final", None)):
        Report.objects.create(incident=with_followups, unit=unit, kind=kind, number=number, received_at=now)
    migrate(latest)
    from dutyroom.incidents.models import Incident as Current

    assert Current.objects.get(pk=with_followups.pk).followups == 2
    assert Current.objects.get(pk=without.pk).followups == 0

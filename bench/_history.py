"""Years of history for the board benchmarks: closed incidents and their settled clocks, written in SQL.

Generated inside the database (generate_series on PostgreSQL, a recursive CTE on SQLite), not through the API:
a million incidents through the services would take hours, and only their presence matters here — the board
and the incident page must not slow down as history grows.
"""

from __future__ import annotations

from django.db import connection, transaction

KINDS = [
    "first_report",
    "written_report",
    "followup",
    "followup",
    "final_report",
    "receipt",
    "receipt",
    "receipt",
    "verification_reply",
    "phone_report",
]


def _pg(incidents: int, per_incident: int, unit_ids: list[int], rulebook_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO incidents_incident (title, category, secondary_category, subtype, grade, sensitive,
              may_escalate, hotspot, exercise, occurred_at, unit_id, address, classification, state, handled_at,
              rulebook_id, initial_severity, figures, grade_basis, created_at, updated_at)
            SELECT '历史事件 ' || g, 'accident', '', 'fire', 'IV', false, false, false, false,
              now() - interval '2 days' - (g || ' minutes')::interval, (%s::bigint[])[1 + g %% %s], '',
              'internal', 'closed', now() - interval '2 days' - (g || ' minutes')::interval + interval '3 hours',
              %s, '{}', '{}', '{}', now() - interval '2 days', now() - interval '2 days'
            FROM generate_series(1, %s) g
            """,
            [unit_ids, len(unit_ids), rulebook_id, incidents],
        )
        cursor.execute(
            """
            INSERT INTO reports_obligation (key, incident_id, unit_id, kind, state, due_at, anchor_at, rule, met_at,
              late_by_seconds, waived_reason, created_at)
            SELECT 'hist:' || i.id || ':' || k, i.id, i.unit_id, (%s::text[])[k], CASE WHEN k %% 7 = 0 THEN 'late'
              ELSE 'met' END, i.occurred_at + interval '45 minutes', i.occurred_at, 'bench',
              i.occurred_at + CASE WHEN k %% 7 = 0 THEN interval '50 minutes' ELSE interval '30 minutes' END,
              CASE WHEN k %% 7 = 0 THEN 300 ELSE 0 END, '', i.occurred_at
            FROM incidents_incident i CROSS JOIN generate_series(1, %s) k
            WHERE i.state = 'closed' AND i.title LIKE '历史事件 %%'
            """,
            [KINDS, per_incident],
        )
        cursor.execute("ANALYZE")


def _sqlite(incidents: int, per_incident: int, unit_ids: list[int], rulebook_id: int) -> None:
    units = ",".join(str(u) for u in unit_ids)
    with connection.cursor() as cursor:
        # keyed by n: each history row picks its unit by n, and with the deep tree's 1,800 units an unkeyed
        # table was scanned for every one of a million rows
        cursor.execute("CREATE TEMP TABLE bench_units (n INTEGER PRIMARY KEY, id INTEGER)")
        cursor.execute(f"INSERT INTO bench_units (n, id) SELECT key, value FROM json_each('[{units}]')")
        cursor.execute(
            f"""
            INSERT INTO incidents_incident (title, category, secondary_category, subtype, grade, sensitive,
              may_escalate, hotspot, exercise, occurred_at, unit_id, address, classification, state, handled_at,
              rulebook_id, initial_severity, figures, grade_basis, created_at, updated_at)
            WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < {int(incidents)})
            SELECT '历史事件 ' || x, 'accident', '', 'fire', 'IV', 0, 0, 0, 0,
              strftime('%Y-%m-%d %H:%M:%f', 'now', '-2 days', '-' || x || ' minutes'),
              (SELECT id FROM bench_units WHERE n = x % {len(unit_ids)}), '', 'internal', 'closed',
              strftime('%Y-%m-%d %H:%M:%f', 'now', '-2 days', '-' || x || ' minutes', '+3 hours'),
              {int(rulebook_id)}, '{{}}', '{{}}', '{{}}',
              strftime('%Y-%m-%d %H:%M:%f', 'now', '-2 days'), strftime('%Y-%m-%d %H:%M:%f', 'now', '-2 days')
            FROM g
            """
        )
        kinds = ",".join(f'"{k}"' for k in KINDS)
        cursor.execute(
            f"""
            INSERT INTO reports_obligation (key, incident_id, unit_id, kind, state, due_at, anchor_at, rule, met_at,
              late_by_seconds, waived_reason, created_at)
            WITH RECURSIVE k(y) AS (SELECT 1 UNION ALL SELECT y + 1 FROM k WHERE y < {int(per_incident)})
            SELECT 'hist:' || i.id || ':' || y, i.id, i.unit_id,
              json_extract('[{kinds}]', '$[' || ((y - 1) % 10) || ']'),
              CASE WHEN y % 7 = 0 THEN 'late' ELSE 'met' END,
              strftime('%Y-%m-%d %H:%M:%f', i.occurred_at, '+45 minutes'), i.occurred_at, 'bench',
              strftime('%Y-%m-%d %H:%M:%f', i.occurred_at,
                       CASE WHEN y % 7 = 0 THEN '+50 minutes' ELSE '+30 minutes' END),
              CASE WHEN y % 7 = 0 THEN 300 ELSE 0 END, '', i.occurred_at
            FROM incidents_incident i, k
            WHERE i.state = 'closed' AND i.title LIKE '历史事件 %'
            """
        )
        cursor.execute("ANALYZE")


def history_load(incidents: int, per_incident: int) -> None:
    """``incidents`` closed incidents two days and more in the past, each with ``per_incident`` settled clocks."""
    from dutyroom.incidents.rulebooks import current_snapshot
    from dutyroom.orgs.selectors import reporting_units

    unit_ids = list(reporting_units().values_list("id", flat=True))
    rulebook_id = current_snapshot().pk
    with transaction.atomic():
        (_pg if connection.vendor == "postgresql" else _sqlite)(incidents, per_incident, unit_ids, rulebook_id)


TOWNS, VILLAGES, ENTERPRISES = 10, 30, 5


def deep_tree_load() -> tuple[str, str]:
    """A deep city below the duty room: ``TOWNS`` towns, each running its own duty room (as the demo's 沙溪 does),
    ``VILLAGES`` villages a town and ``ENTERPRISES`` enterprises a village, with a duty officer for the first
    town and a reporter for its first village. Idempotent; returns (the town officer's username, the village
    reporter's). Loaded before the history, so the history is spread over the deep units too."""
    from datetime import UTC, datetime

    from django.contrib.auth.hashers import make_password

    from dutyroom.accounts.models import Role, User
    from dutyroom.accounts.services import user_add
    from dutyroom.demo import demo_password
    from dutyroom.orgs.models import Unit, UnitKind

    city = Unit.objects.get(kind=UnitKind.DUTY_ROOM, parent__isnull=True)
    if not Unit.objects.filter(code="deep-t0").exists():
        towns = Unit.objects.bulk_create(
            Unit(code=f"deep-t{t}", name=f"深镇{t}", kind=UnitKind.TOWN, parent=city, duty_room=True)
            for t in range(TOWNS)
        )
        villages = Unit.objects.bulk_create(
            Unit(code=f"deep-t{t}-v{v}", name=f"深镇{t}村{v}", kind=UnitKind.VILLAGE, parent=town)
            for t, town in enumerate(towns)
            for v in range(VILLAGES)
        )
        Unit.objects.bulk_create(
            Unit(code=f"{village.code}-e{e}", name=f"{village.name}企业{e}", kind=UnitKind.ENTERPRISE, parent=village)
            for village in villages
            for e in range(ENTERPRISES)
        )
    officer, reporter = "deep-t0-duty", "deep-t0-v0-reporter"
    hashed = make_password(demo_password())
    now = datetime.now(UTC)
    for username, role, unit in ((officer, Role.DUTY_OFFICER, "deep-t0"), (reporter, Role.UNIT_REPORTER, "deep-t0-v0")):
        if not User.objects.filter(username=username).exists():
            user_add(username=username, role=role, unit_code=unit, password=None, password_hash=hashed, now=now)
    return officer, reporter

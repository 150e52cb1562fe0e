"""A period's assessment: one row per unit (counts, score, grade, rank within its peer group) and, on demand,
the ledger of points that explains each score.

The table's scores come from aggregate counts (``score_from_counts``); a ledger comes from the facts
(``ledger``). The rules core proves the two agree; ``tests/assessment`` checks it end to end.

Every table is at one level (``access.Level``): the city's, or a town duty room's over the units that report to
it, with the same scoring rules over the clocks owed to that duty room and the findings and adoptions it
recorded.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time
from decimal import Decimal
from typing import Any

from django.db.models import Count

from dutyroom.accounts.models import User
from dutyroom.alerts.models import Chase
from dutyroom.assessment import selectors
from dutyroom.assessment.access import CITY, Level, assessed_units
from dutyroom.assessment.book import scoring_book
from dutyroom.common.timefmt import LOCAL
from dutyroom.orgs.models import TERRITORIAL_KINDS, Unit, UnitKind
from dutyroom.rules.periods import Period
from dutyroom.rules.scoring import (
    FIRST_REPORT_KINDS,
    Ledger,
    LedgerLine,
    grade_for,
    ledger,
    median,
    on_time_rate,
    period_closes_at,
    rank_within_groups,
    score_from_counts,
)
from dutyroom.rules.scoring_book import GradeBand

_FIRST = {k.value for k in FIRST_REPORT_KINDS}


#: Kinds ranked together at a town's level: its villages and communities; enterprises and stations apart.
LOCAL_TERRITORIAL_KINDS = frozenset({UnitKind.VILLAGE, UnitKind.COMMUNITY})


def peer_group(unit: Unit, level: Level = CITY) -> str:
    """Who is ranked with whom: at the city, territorial units (towns, zones, subdistricts) apart from
    departments; at a town, villages and communities apart from enterprises and stations."""
    kinds = TERRITORIAL_KINDS if level.is_city else LOCAL_TERRITORIAL_KINDS
    return "territorial" if unit.kind in kinds else "department"


def chase_counts_hook(period: Period, unit_ids: list[int], room: str = "") -> dict[int, int] | None:
    """催报 per unit in the period (local dates), shown beside the score and not scored; chases about
    exercise incidents are left out like everything else about drills. One aggregate over the chase table;
    at a level, the chases about clocks owed to its duty room."""
    start = datetime.combine(period.start, time.min, tzinfo=LOCAL)
    end = datetime.combine(period.end, time.min, tzinfo=LOCAL)
    counted = (
        Chase.objects.filter(unit_id__in=unit_ids, at__gte=start, at__lt=end, obligation__owed_to=room)
        .exclude(obligation__incident__exercise=True)
        .values("unit_id")
        .annotate(n=Count("id"))
        .values_list("unit_id", "n")
    )
    return dict(counted)


@dataclass
class UnitRow:
    unit: Unit
    group: str
    score: Decimal
    grade: GradeBand
    rank: int = 0
    first_reports: dict[str, int] = field(default_factory=lambda: {"on_time": 0, "late": 0, "missing": 0})
    verification_replies: dict[str, int] = field(default_factory=lambda: {"on_time": 0, "late": 0, "missing": 0})
    followups_missing: int = 0
    finals_missing: int = 0
    findings: dict[str, int] = field(
        default_factory=lambda: {"late": 0, "omitted": 0, "false": 0, "concealed": 0, "forbidden_channel": 0}
    )
    adopted: int = 0
    worst_delay_seconds: int | None = None
    chases: int | None = None
    points: tuple[LedgerLine, ...] | None = None
    # first-report clocks met in time but over a channel the rules forbid for the incident: no on-time credit
    forbidden_channel_reports: int = 0
    # the score's band was the top one, withheld because the unit is criticised in the same period
    grade_withheld: GradeBand | None = None
    top_band: str = ""

    @property
    def on_time_rate(self) -> float | None:
        fr = self.first_reports
        return on_time_rate(fr["on_time"], fr["late"] + self.forbidden_channel_reports, fr["missing"])

    @property
    def criticised(self) -> bool:
        """Named in the 通报's criticism: a first report late or missing, or an upheld 漏报/谎报/瞒报/违规渠道
        finding; the same facts that cost the unit points. (A report over a forbidden channel is criticised once
        its finding is upheld, after the unit could appeal; until then it only earns no credit.)"""
        return bool(
            self.first_reports["late"]
            or self.first_reports["missing"]
            or any(self.findings[k] for k in CRITICISED_FINDINGS)
        )


CRITICISED_FINDINGS = ("omitted", "false", "concealed", "forbidden_channel")


def commended(rows: Iterable[UnitRow]) -> list[UnitRow]:
    """The units the 通报 commends, from the same rows (and scores) as the criticism: in each peer group, the
    highest-scoring units that earned the top band with work to show (a first report on time or an
    adoption), are not criticised and sent no report over a forbidden channel. A criticised unit is never
    commended, whatever its score."""
    eligible = [
        r
        for r in rows
        if not r.criticised
        and not r.forbidden_channel_reports
        and r.grade.id == r.top_band
        and (r.first_reports["on_time"] or r.adopted)
    ]
    best: dict[str, Decimal] = {}
    for row in eligible:
        best[row.group] = max(best.get(row.group, row.score), row.score)
    return [r for r in eligible if r.score == best[r.group]]


def _withhold_top_band(rows: Iterable[UnitRow], bands: tuple[GradeBand, ...]) -> None:
    """A unit criticised in a period cannot also be rated in the top band (优秀) for it: it is rated in the
    band below, and ``grade_withheld`` keeps what the score alone would have earned, so pages can say why."""
    top = bands[0]
    for row in rows:
        row.top_band = top.id
        if row.criticised and row.grade.id == top.id and len(bands) > 1:
            row.grade_withheld, row.grade = row.grade, bands[1]


def _tally(row: UnitRow, counts: dict[str, Any]) -> None:
    kind = counts["kind"]
    if kind in _FIRST:
        bucket = row.first_reports
        row.forbidden_channel_reports += counts.get("forbidden", 0)
    elif kind == "verification_reply":
        bucket = row.verification_replies
    else:
        row.followups_missing += counts["missing"] if kind == "followup" else 0
        row.finals_missing += counts["missing"] if kind == "final_report" else 0
        return
    for key in ("on_time", "late", "missing"):
        bucket[key] += counts[key]
    if counts["worst"] is not None and kind in _FIRST:
        row.worst_delay_seconds = max(row.worst_delay_seconds or 0, int(counts["worst"]))


@dataclass
class Assessment:
    period: Period
    rows: list[UnitRow]
    closed_at: datetime
    chases_recorded: bool
    level: Level = CITY


def assessment_for(
    period: Period,
    units: Iterable[Unit],
    now: datetime,
    *,
    with_points: bool = False,
    viewer: User | None = None,
    level: Level = CITY,
) -> Assessment:
    """Every unit's row for ``period`` at ``level``; ``with_points`` adds each unit's ledger (and takes the score
    from it), its lines naming incidents as they may be named to ``viewer`` (``None`` for a circulating
    document)."""
    book = scoring_book()
    units = list(units)
    ids = [u.pk for u in units]
    room = level.owed_to
    obligations = selectors.obligation_counts(period, book, ids, now, room=room)
    findings = selectors.finding_counts(period, book, ids, room)
    adoptions = selectors.adoption_counts(period, book, ids, room)
    counts = selectors.fact_counts(period, book, obligations, findings, adoptions)
    rows = {}
    for unit in units:
        score = score_from_counts(book, period, counts.get(unit.pk, {}))
        rows[unit.pk] = UnitRow(unit, peer_group(unit, level), score, grade_for(book, period, score))
    for entry in obligations:
        _tally(rows[entry["unit_id"]], entry)
    for entry in findings:
        rows[entry["unit_id"]].findings[entry["kind"]] += entry["n"]
    for entry in adoptions:
        rows[entry["unit_id"]].adopted += entry["n"]
    closed_at = period_closes_at(book, period)
    if with_points:
        facts = selectors.ledger_facts(period, book, ids, now, closed_at, viewer, room)
        for unit_id, row in rows.items():
            explained = ledger(book, period, facts.get(unit_id, []), closed_at)
            row.points, row.score, row.grade = explained.lines, explained.score, explained.grade
    chases = chase_counts_hook(period, ids, room)
    for row in rows.values():
        row.findings["late"] = row.first_reports["late"]
        row.chases = None if chases is None else chases.get(row.unit.pk, 0)
    _withhold_top_band(rows.values(), book.edition_for(period.start).grades)
    ranks = rank_within_groups((r.unit.pk, r.group, r.score) for r in rows.values())
    for unit_id, rank in ranks.items():
        rows[unit_id].rank = rank
    ordered = sorted(rows.values(), key=lambda r: (r.group != "territorial", r.rank, r.unit.pk))
    return Assessment(period, ordered, closed_at, chases is not None, level)


@dataclass
class UnitLedger:
    row: UnitRow
    ledger: Ledger
    median_delay_seconds: float | None
    peers: int


def unit_ledger(
    period: Period, unit: Unit, now: datetime, viewer: User | None = None, level: Level = CITY
) -> UnitLedger:
    """One unit's row at ``level`` with its rank among its peers, every line of its score, and its median
    delay."""
    group = peer_group(unit, level)
    peers = [u for u in assessed_units(level) if peer_group(u, level) == group]
    table = assessment_for(period, peers, now, with_points=False, level=level)
    row = next(r for r in table.rows if r.unit.pk == unit.pk)
    book = scoring_book()
    facts = selectors.ledger_facts(period, book, [unit.pk], now, table.closed_at, viewer, level.owed_to)
    explained = ledger(book, period, facts.get(unit.pk, []), table.closed_at)
    row.points = explained.lines
    delays = selectors.late_first_report_seconds(period, book, unit.pk, level.owed_to)
    return UnitLedger(row, explained, median(delays), len(peers))


def monthly_on_time(period: Period, units: Iterable[Unit], now: datetime, room: str = "") -> list[dict[str, Any]]:
    """On-time rate of first reports per month of ``period`` (all units together), for the chart."""
    book = scoring_book()
    totals: dict[int, dict[str, int]] = defaultdict(lambda: {"on_time": 0, "late": 0, "missing": 0, "forbidden": 0})
    ids = [u.pk for u in units]
    for entry in selectors.obligation_counts(period, book, ids, now, by_month=True, room=room):
        if entry["kind"] in _FIRST:
            for key in ("on_time", "late", "missing", "forbidden"):
                totals[entry["month"]][key] += entry[key]
    return [
        {
            "month": month.strftime("%Y-%m"),
            **totals[i],
            "rate": on_time_rate(
                totals[i]["on_time"], totals[i]["late"] + totals[i]["forbidden"], totals[i]["missing"]
            ),
        }
        for i, month in enumerate(period.months)
    ]

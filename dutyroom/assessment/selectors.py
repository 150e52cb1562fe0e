"""Gathering a period's facts from the database, by aggregate queries.

The ranking table of every unit for a year is three GROUP BY queries (clocks, upheld findings, adoptions) by
unit, kind and month: the database counts a million clocks, Python only adds up a few thousand counts. The
per-line ledger (``ledger_facts``) fetches only rows that move a score (late or missing clocks, upheld
findings, adoptions, waivers after the close), never the clocks that were met.

A clock, finding or adoption belongs to the month its incident occurred in (local time); a verification
request about no incident belongs to the month it was asked. Exercise incidents never count.

Every query is at one level (分级管理): ``room`` is the duty room assessing (a town's code, empty for the
city's); clocks count when they are owed to it, findings and adoptions when it recorded them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db.models import Case, Count, F, IntegerField, Max, Model, Q, QuerySet, Value, When
from django.utils import translation

from dutyroom.accounts.models import User
from dutyroom.assessment.models import Adoption, Finding, FindingState
from dutyroom.incidents.naming import incident_names_by_id
from dutyroom.obligations.models import Obligation
from dutyroom.orgs.models import LOCAL_KINDS
from dutyroom.reports.models import Report
from dutyroom.rules import ObligationKind, ObligationState
from dutyroom.rules.periods import Period, month_of
from dutyroom.rules.scoring import (
    ADOPTION_FACTS,
    FINDING_FACTS,
    SCORED_OBLIGATION_KINDS,
    Fact,
    obligation_fact,
)
from dutyroom.rules.scoring_book import FactKind, ScoringBook

SCORED_KINDS = sorted(k.value for k in SCORED_OBLIGATION_KINDS)
# The same set said the other way round: the period's clocks are read per incident through the index that starts
# with (incident, kind), and "kind not in" these takes one range of it per incident where "kind in" the scored
# ones took one look-up per scored kind (SQLite: a sixth less of the year's CPU).
UNSCORED_KINDS = sorted(k.value for k in ObligationKind if k not in SCORED_OBLIGATION_KINDS)
#: Upper bounds (seconds) of the first-report delay buckets charted on the assessment page.
DELAY_BUCKETS = (15 * 60, 30 * 60, 60 * 60, 2 * 3600)


def _forbidden_reports(period: Period, book: ScoringBook) -> list[int]:
    """The reports over a channel the rules forbid for their incident (WeChat for a protected one) that can have
    met a clock of the period: received since it began (a clock is met after its incident occurred, or after
    its verification was asked). Few, read through their partial index; the clocks they met are then counted by
    the index of ``met_by``, so the million-clock aggregate needs no join (driven from the year's incidents,
    that count read every clock of the year a second time)."""
    start, _ = period.bounds(book.tzinfo)
    return list(Report.objects.filter(forbidden_channel=True, received_at__gte=start).values_list("id", flat=True))


def _met_forbidden(reports: list[int]) -> Q:
    """Met in time, but by one of ``reports`` (over a forbidden channel): the clock is met (the duty room did
    learn of it) but it never earns on-time credit."""
    return Q(state=ObligationState.MET, met_by_id__in=reports)


def _missing(now: datetime) -> Q:
    """Overdue, or pending past due (the worker may not have flipped it yet): read-time truth, as everywhere."""
    return Q(state=ObligationState.OVERDUE) | Q(state=ObligationState.PENDING, due_at__lte=now)


def _segment_index(period: Period, book: ScoringBook, field: str) -> Case | Value:
    """Which scoring segment of the period a moment falls in. A segment is a run of months under one edition of
    the rules; almost every period has one, so the database groups by unit and kind only. Where an edition
    starts inside the period, one plain comparison per boundary splits it (no per-row date functions, which
    SQLite would run as Python callbacks a million times)."""
    starts = segment_starts(period, book)
    if len(starts) == 1:
        return Value(0, output_field=IntegerField())
    tz = book.tzinfo
    whens = [
        When(**{f"{field}__lt": Period(day, day, period.kind, "").bounds(tz)[0]}, then=Value(i - 1))
        for i, day in enumerate(starts)
        if i > 0
    ]
    return Case(*whens, default=Value(len(starts) - 1), output_field=IntegerField())


def segment_starts(period: Period, book: ScoringBook) -> list[date]:
    """First month of each run of months scored under the same edition."""
    starts: list[date] = []
    for month in period.months:
        if not starts or book.edition_for(month) != book.edition_for(starts[-1]):
            starts.append(month)
    return starts


def period_obligations(
    period: Period, book: ScoringBook, unit_ids: Iterable[int], room: str = ""
) -> list[QuerySet[Obligation]]:
    """Scored clocks of the period, as two queries that each stay simple for the planner: clocks of incidents
    that occurred in it (an inner join and plain column comparisons), and verification clocks about no
    incident, by the time they were asked. Each row carries ``moment``, the instant that places it."""
    start, end = period.bounds(book.tzinfo)
    base = Obligation.objects.exclude(kind__in=UNSCORED_KINDS).filter(unit_id__in=list(unit_ids), owed_to=room)
    about_incident = base.filter(
        incident__occurred_at__gte=start, incident__occurred_at__lt=end, incident__exercise=False
    ).annotate(moment=F("incident__occurred_at"))
    about_nothing = base.filter(incident__isnull=True, anchor_at__gte=start, anchor_at__lt=end).annotate(
        moment=F("anchor_at")
    )
    return [about_incident, about_nothing]


def obligation_counts(
    period: Period,
    book: ScoringBook,
    unit_ids: Iterable[int],
    now: datetime,
    *,
    by_month: bool = False,
    room: str = "",
) -> list[dict[str, Any]]:
    """Per unit, kind and scoring segment (or month, for charts): clocks met on time, met in time over a
    forbidden channel (no credit), late, missing, and the worst delay. ``month`` in each row indexes
    ``segment_starts`` (or ``period.months`` with ``by_month``).
    A (unit, kind, month) may appear twice (once per query); consumers add rows up."""
    index = _month_index(period, book) if by_month else _segment_index(period, book, "moment")
    rows: list[dict[str, Any]] = []
    forbidden = _forbidden_reports(period, book)
    for qs in period_obligations(period, book, unit_ids, room):
        rows += _dicts(
            qs.annotate(month=index)
            .values("unit_id", "kind", "month")
            .annotate(
                on_time=Count("id", filter=Q(state=ObligationState.MET)),
                late=Count("id", filter=Q(state=ObligationState.LATE)),
                missing=Count("id", filter=_missing(now)),
                worst=Max("late_by_seconds", filter=Q(state=ObligationState.LATE)),
            )
            .order_by()
        )
        # clocks met over a forbidden channel move from on_time to forbidden (rows are added up by consumers)
        for moved in (
            []
            if not forbidden
            else _dicts(
                qs.filter(_met_forbidden(forbidden))
                .annotate(month=index)
                .values("unit_id", "kind", "month")
                .annotate(n=Count("id"))
                .order_by()
            )
        ):
            rows.append(
                {
                    "unit_id": moved["unit_id"],
                    "kind": moved["kind"],
                    "month": moved["month"],
                    "on_time": -moved["n"],
                    "forbidden": moved["n"],
                    "late": 0,
                    "missing": 0,
                    "worst": None,
                }
            )
    for counted in rows:
        counted.setdefault("forbidden", 0)
    return rows


def _dicts(rows: Iterable[Any]) -> list[dict[str, Any]]:
    """``values()`` rows as plain dicts (the stubs type them per query; callers only need the keys)."""
    return [dict(row) for row in rows]


def _month_index(period: Period, book: ScoringBook) -> Case:
    tz = book.tzinfo
    whens = [
        When(moment__lt=Period(m, m, period.kind, "").bounds(tz)[0], then=Value(i - 1))
        for i, m in enumerate(period.months)
        if i > 0
    ]
    return Case(*whens, default=Value(len(period.months) - 1), output_field=IntegerField())


def _incident_in(period: Period, book: ScoringBook) -> Q:
    start, end = period.bounds(book.tzinfo)
    return Q(incident__occurred_at__gte=start, incident__occurred_at__lt=end, incident__exercise=False)


def finding_counts(period: Period, book: ScoringBook, unit_ids: Iterable[int], room: str = "") -> list[dict[str, Any]]:
    return _dicts(
        Finding.objects.filter(
            _incident_in(period, book),
            unit_id__in=list(unit_ids),
            room=room,
            state=FindingState.UPHELD,
            kind__in=list(FINDING_FACTS),
        )
        .annotate(month=_segment_index(period, book, "incident__occurred_at"))
        .values("unit_id", "kind", "month")
        .annotate(n=Count("id"))
        .order_by()
    )


def adoption_counts(period: Period, book: ScoringBook, unit_ids: Iterable[int], room: str = "") -> list[dict[str, Any]]:
    return _dicts(
        Adoption.objects.filter(_incident_in(period, book), unit_id__in=list(unit_ids), room=room)
        .annotate(month=_segment_index(period, book, "incident__occurred_at"))
        .values("unit_id", "by", "month")
        .annotate(n=Count("id"))
        .order_by()
    )


def first_report_delays(
    period: Period, book: ScoringBook, unit_ids: Iterable[int], now: datetime, room: str = ""
) -> dict[str, int]:
    """How late first reports were, bucketed (for the distribution chart), in one aggregate query."""
    buckets: dict[str, Any] = {"on_time": Count("id", filter=Q(state=ObligationState.MET))}
    lower = 0
    for upper in DELAY_BUCKETS:
        buckets[f"le_{upper}"] = Count(
            "id", filter=Q(state=ObligationState.LATE, late_by_seconds__gt=lower, late_by_seconds__lte=upper)
        )
        lower = upper
    buckets["gt"] = Count("id", filter=Q(state=ObligationState.LATE, late_by_seconds__gt=lower))
    buckets["missing"] = Count("id", filter=_missing(now))
    totals: dict[str, int] = defaultdict(int)
    reports = _forbidden_reports(period, book)
    for qs in period_obligations(period, book, unit_ids, room):
        first = qs.filter(kind__in=["first_report", "phone_report", "written_report"])
        for key, value in first.aggregate(**buckets).items():
            totals[key] += int(value or 0)
        # met, but over a forbidden channel: not on time
        forbidden = first.filter(_met_forbidden(reports)).count() if reports else 0
        totals["on_time"] -= forbidden
        totals["forbidden"] += forbidden
    return dict(totals)


def late_first_report_seconds(period: Period, book: ScoringBook, unit_id: int, room: str = "") -> list[int]:
    """One unit's first-report delays (for its median); a unit has at most a few hundred a year."""
    return [
        int(v)
        for qs in period_obligations(period, book, [unit_id], room)
        for v in qs.filter(
            kind__in=["first_report", "phone_report", "written_report"], state=ObligationState.LATE
        ).values_list("late_by_seconds", flat=True)
        if v is not None
    ]


# --- the ledger's facts ------------------------------------------------------------------------------------


def _obligation_reason(row: dict[str, Any], missing: bool, names: dict[int, str]) -> str:
    what = ObligationKind(row["kind"]).label_zh
    title = names.get(row["incident_id"]) or "（无关联事件的核实请求）"
    if missing:
        return f"{title}：{what}缺报（超过时限仍未报送）{_passed_on(row)}"
    minutes = (row["late_by_seconds"] or 0) // 60
    return f"{title}：{what}迟报 {minutes} 分钟{_passed_on(row)}"


def _passed_on(row: dict[str, Any]) -> str:
    """A town's own clock to the city on an incident of a unit below it (the chain of clocks): the ledger says
    whose incident it was, since the town is scored for passing it on, not for the village's own report."""
    below = row["incident__unit__kind"] in LOCAL_KINDS and row["incident__unit_id"] != row["unit_id"]
    if not below or row["kind"] == ObligationKind.VERIFICATION_REPLY:
        return ""
    return f"（下级单位{row['incident__unit__name']}的事件，本级未按时上报）"


def _obligation_facts(
    period: Period,
    book: ScoringBook,
    unit_ids: list[int],
    now: datetime,
    closed_at: datetime,
    viewer: User | None,
    room: str,
) -> Iterable[tuple[int, Fact]]:
    waived_after_close = Q(state=ObligationState.WAIVED, due_at__lte=closed_at, waived_at__gt=closed_at)
    fields = (
        "id",
        "unit_id",
        "kind",
        "state",
        "due_at",
        "late_by_seconds",
        "waived_at",
        "waived_reason",
        "incident_id",
        "incident__unit_id",
        "incident__unit__kind",
        "incident__unit__name",
        "moment",
    )
    rows = [
        row
        for qs in period_obligations(period, book, unit_ids, room)
        for row in qs.filter(Q(state=ObligationState.LATE) | _missing(now) | waived_after_close)
        .values(*fields)
        .order_by("moment", "id")
    ]
    names = incident_names_by_id(viewer, (row["incident_id"] for row in rows))
    for row in rows:
        missing = row["state"] != ObligationState.LATE
        kind = obligation_fact(row["kind"], missing)
        if kind is None:
            continue
        reason = _obligation_reason(row, missing, names)
        yield (
            row["unit_id"],
            Fact(
                kind,
                month_of(row["moment"], book.tzinfo).start,
                f"obligation:{row['id']}",
                reason,
                row["incident_id"],
                row["due_at"],
                row["waived_at"],
            ),
        )


def _chinese_labels(model: type[Model], field: str) -> dict[str, str]:
    """A choice field's labels in Chinese whatever language the caller has active: a ledger line's reason is
    one Chinese sentence ("…：认定瞒报（…）") printed in the 通报, and an English label inside it read as a
    half-translated line (and a ledger built after an English page differed from one built after a Chinese)."""
    choices = getattr(model._meta.get_field(field), "choices", None) or []
    with translation.override(settings.LANGUAGE_CODE):
        return {value: str(label) for value, label in choices}


def _finding_facts(
    period: Period, book: ScoringBook, unit_ids: list[int], viewer: User | None, room: str
) -> Iterable[tuple[int, Fact]]:
    # an upheld 迟报 finding formalises a late clock, which already scores: it is never counted twice
    rows = list(
        Finding.objects.filter(
            _incident_in(period, book),
            unit_id__in=unit_ids,
            room=room,
            state=FindingState.UPHELD,
            kind__in=list(FINDING_FACTS),
        )
        .values("id", "unit_id", "kind", "decided_at", "decision_reason", "incident_id", "incident__occurred_at")
        .order_by("incident__occurred_at", "id")
    )
    names = incident_names_by_id(viewer, (row["incident_id"] for row in rows))
    labels = _chinese_labels(Finding, "kind")
    for row in rows:
        label = labels[row["kind"]]
        reason = f"{names.get(row['incident_id'], '')}：认定{label}（{row['decision_reason']}）"
        yield (
            row["unit_id"],
            Fact(
                FINDING_FACTS[row["kind"]],
                month_of(row["incident__occurred_at"], book.tzinfo).start,
                f"finding:{row['id']}",
                reason,
                row["incident_id"],
                row["decided_at"],
            ),
        )


def _adoption_facts(
    period: Period, book: ScoringBook, unit_ids: list[int], viewer: User | None, room: str
) -> Iterable[tuple[int, Fact]]:
    rows = list(
        Adoption.objects.filter(_incident_in(period, book), unit_id__in=unit_ids, room=room)
        .values("id", "unit_id", "by", "recorded_at", "incident_id", "incident__occurred_at")
        .order_by("incident__occurred_at", "id")
    )
    names = incident_names_by_id(viewer, (row["incident_id"] for row in rows))
    labels = _chinese_labels(Adoption, "by")
    for row in rows:
        label = labels[row["by"]]
        reason = f"{names.get(row['incident_id'], '')}：信息被{label}采用"
        yield (
            row["unit_id"],
            Fact(
                ADOPTION_FACTS[row["by"]],
                month_of(row["incident__occurred_at"], book.tzinfo).start,
                f"adoption:{row['id']}",
                reason,
                row["incident_id"],
                row["recorded_at"],
            ),
        )


def ledger_facts(
    period: Period,
    book: ScoringBook,
    unit_ids: Iterable[int],
    now: datetime,
    closed_at: datetime,
    viewer: User | None = None,
    room: str = "",
) -> dict[int, list[Fact]]:
    """Every fact that moves a score, grouped by unit; each line names its incident as ``incidents.naming``
    names it to ``viewer`` (``None``: a document that circulates, where a work secret is never named)."""
    ids = list(unit_ids)
    grouped: dict[int, list[Fact]] = defaultdict(list)
    for source in (
        _obligation_facts(period, book, ids, now, closed_at, viewer, room),
        _finding_facts(period, book, ids, viewer, room),
        _adoption_facts(period, book, ids, viewer, room),
    ):
        for unit_id, fact in source:
            grouped[unit_id].append(fact)
    return grouped


def fact_counts(
    period: Period,
    book: ScoringBook,
    obligations: list[dict[str, Any]],
    findings: list[dict[str, Any]],
    adoptions: list[dict[str, Any]],
) -> dict[int, dict[tuple[date, FactKind], int]]:
    """Counts of facts per unit and (month, kind), for ``score_from_counts``."""
    starts = segment_starts(period, book)
    counts: dict[int, dict[tuple[date, FactKind], int]] = defaultdict(lambda: defaultdict(int))
    for row in obligations:
        month = starts[row["month"]]
        for missing, n in ((False, row["late"]), (True, row["missing"])):
            kind = obligation_fact(row["kind"], missing)
            if kind is not None and n:
                counts[row["unit_id"]][(month, kind)] += n
    for row in findings:
        counts[row["unit_id"]][(starts[row["month"]], FINDING_FACTS[row["kind"]])] += row["n"]
    for row in adoptions:
        counts[row["unit_id"]][(starts[row["month"]], ADOPTION_FACTS[row["by"]])] += row["n"]
    return counts

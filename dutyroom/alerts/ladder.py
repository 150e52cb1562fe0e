"""The worker's ladder step: for every open clock, fire the rungs the rulebook says are due now.

Timing is decided by ``rules.ladder_due`` and ``rules.ladder_next_at``; this module finds the clocks whose next
rung has come (``Obligation.ladder_at``, indexed over open clocks only), claims their rungs by inserting marks
(unique per obligation, step and deadline, so a second worker's insert fails), writes the alerts and audit
entries, and stores each clock's next look — a batch of clocks in one transaction and a few INSERTs.

Why by the batch (the overdue burst, 100,000 clocks due within a minute): one transaction and ~15 statements per
clock managed ~300 alerts a second, and searching every open clock for missing rungs cost 59–133 ms a pass
at 100,000 open clocks, idle or not. Should a batch meet a rung already claimed (two workers on SQLite, where
there is no ``SKIP LOCKED``), its savepoint is rolled back and the clocks go one by one, as before.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from dutyroom.alerts.models import AlertMark, LadderPlan
from dutyroom.alerts.recipients import audience_users
from dutyroom.alerts.services import AlertSpec, alerts_emit_many
from dutyroom.audit.services import AuditRecord, audit_record_many
from dutyroom.common.engine.bulk import insert_rows, update_column
from dutyroom.common.engine.sql import lock_skipping_held
from dutyroom.common.memo import pass_memo
from dutyroom.incidents.rulebooks import configured_rulebook
from dutyroom.obligations.models import LADDER_REPLAN, Obligation
from dutyroom.obligations.selectors import ladder_waiting_ids
from dutyroom.rules import (
    AlertPolicy,
    AlertStep,
    AlertTopic,
    ObligationKind,
    ObligationState,
    ladder_due,
    ladder_next_at,
)

log = logging.getLogger("dutyroom.worker")
OPEN = (ObligationState.PENDING, ObligationState.OVERDUE)
BATCH = 500


def ladder_sweep(now: datetime, batch: int = BATCH) -> int:
    """Fire every due rung of every open clock; returns how many alerts this worker sent."""
    sent, more = ladder_pass(now, batch)
    while more:  # a caller that sweeps once (tests, the CLI) means "everything due now"
        step, more = ladder_pass(now, batch)
        sent += step
    return sent


def ladder_pass(now: datetime, batch: int = BATCH) -> tuple[int, bool]:
    """One batch of clocks whose next rung has come; returns (alerts sent, whether the batch was full, i.e. more
    are waiting and the worker should run again at once)."""
    policy = _policy(now)
    if policy is None:
        return 0, False
    with pass_memo(), transaction.atomic():  # one read of the roster, staff, webhooks for the whole batch
        clocks = _claim(now, batch)
        if not clocks:
            return 0, False
        try:
            with transaction.atomic():
                sent = _fire(clocks, policy, now)
        except IntegrityError:  # another worker claimed some of these rungs meanwhile
            sent = sum(_fire_alone(clock, policy, now) for clock in clocks)
    return sent, len(clocks) >= batch


def _fire_alone(clock: Obligation, policy: AlertPolicy, now: datetime) -> int:
    """One clock of a batch that raced: what the other worker claimed stays claimed; the rest fires here, and a
    clock whose rung is taken is looked at again on the next pass (its next look was not moved)."""
    try:
        with transaction.atomic():
            return _fire(_relock(clock), policy, now)
    except IntegrityError:
        return 0


def ladder_plan(clocks: list[Obligation], now: datetime) -> LadderDecisions | None:
    """Decide the rungs now due of clocks the deadline sweep is about to turn overdue, and each clock's next look
    (set on ``clock.ladder_at``), before the flip: the sweep writes the next looks with the flip's own UPDATE.
    None when the rulebook alerts nobody (the next looks are then left as they are)."""
    policy = _policy(now)
    if policy is None or not clocks:
        return None
    return _plan(clocks, policy, now)


def ladder_fire_clocks(
    decisions: LadderDecisions | None,
    fired: list[Obligation],
    now: datetime,
    *,
    flip_audits: bool,
    keep: float = 0.0,
) -> dict[int, dict[str, object]]:
    """Write the planned rungs of the clocks the sweep has just turned overdue, in the sweep's own transaction,
    so the overdue alert exists exactly when the flip does and a burst reads each clock once.

    ``flip_audits``: the flips' own audit entries (``obligation.overdue``) are still to be written, so each clock's
    overdue alert is not audited on its own but returned, per clock, for its flip's entry (``{"alert": …}``): one
    entry per clock instead of two, half the audit chain to seal in a burst. Other rungs due at the flip (an
    escalation, when the clock flips late) keep their own ``obligation.alert`` entries. Otherwise (the flips were
    audited one by one) every alert is audited here and nothing is returned.

    Should it fail (a rung claimed by another worker meanwhile, or any error), its savepoint is rolled back, the
    flips stand, nothing is returned, and the clocks are handed to the ladder's own pass (their next look set to
    "plan afresh"). ``keep``: see ``common.memo.pass_memo`` (the worker's sweep while busy)."""
    if decisions is None or not fired:
        return {}
    decisions = decisions.only({clock.pk for clock in fired})
    described: dict[int, dict[str, object]] = {}
    try:
        with pass_memo(keep=keep), transaction.atomic():
            _write(decisions, now, told=described if flip_audits else None)
    except Exception:  # the flips must not depend on the alerts: hand the clocks to the ladder's own pass
        log.warning("alerting %d clock(s) with their flip failed; the ladder's pass will", len(fired), exc_info=True)
        update_column(Obligation, "ladder_at", {clock.pk: LADDER_REPLAN for clock in fired})
        return {}
    return described


def _policy(now: datetime) -> AlertPolicy | None:
    """The configured ladder, adopted (see ``policy_adopt``); None when the rulebook alerts nobody."""
    policy = configured_rulebook()[0].alerts
    if not policy.steps:
        return None
    policy_adopt(policy, now)
    return policy


def _locked(clocks: QuerySet[Obligation]) -> list[Obligation]:
    """Clocks with their unit and incident, locked on PostgreSQL so that other workers take other clocks
    (``FOR NO KEY UPDATE SKIP LOCKED``; a clock a deadline sweep holds is skipped for a pass)."""
    return list(lock_skipping_held(clocks.select_related("unit", "incident"), no_key=True, of=("self",)))


def _claim(now: datetime, batch: int) -> list[Obligation]:
    """The open clocks whose next look has come, oldest first, locked (``_locked``). A report meeting one of them
    waits for this transaction, so a met clock is never alerted."""
    ids = ladder_waiting_ids(now, limit=batch)
    if not ids:
        return []
    return _locked(Obligation.objects.filter(pk__in=ids, state__in=OPEN, ladder_at__lte=now).order_by("ladder_at"))


def _relock(clock: Obligation) -> list[Obligation]:
    return _locked(Obligation.objects.filter(pk=clock.pk, state__in=OPEN, ladder_at__isnull=False))


@dataclass(frozen=True)
class _Rung:
    obligation: Obligation
    step: AlertStep
    skipped: tuple[str, ...]


# A mark as the row it is written as (``insert_rows``): a burst writes one a clock, and building an ``AlertMark``
# only to insert it cost more than the INSERT.
MARK_COLUMNS = ("obligation_id", "step", "due_at", "fired", "at")
Mark = tuple[int, str, datetime, bool, datetime]


@dataclass(frozen=True)
class LadderDecisions:
    """What a batch of clocks owes now: the marks that claim its rungs (rows of ``MARK_COLUMNS``) and the rungs
    to alert about; each clock's next look is set on the clock itself (``ladder_at``)."""

    marks: list[Mark]
    rungs: list[_Rung]

    def only(self, ids: set[int]) -> LadderDecisions:
        """The decisions about these clocks alone (the sweep fired fewer clocks than it planned: others raced)."""
        return LadderDecisions(
            [m for m in self.marks if m[0] in ids], [r for r in self.rungs if r.obligation.pk in ids]
        )


def _fire(clocks: list[Obligation], policy: AlertPolicy, now: datetime) -> int:
    """Decide every clock's rungs, then write marks, alerts, audit entries and next looks in bulk."""
    sent = _write(_plan(clocks, policy, now), now)
    update_column(Obligation, "ladder_at", {clock.pk: clock.ladder_at for clock in clocks})
    return sent


def _plan(clocks: list[Obligation], policy: AlertPolicy, now: datetime) -> LadderDecisions:
    """Each clock's rungs due now (fired) or passed over (skipped), from the marks already written; sets each
    clock's next look."""
    done: dict[int, set[str]] = {clock.pk: set() for clock in clocks}
    due_of = {clock.pk: clock.due_at for clock in clocks}
    for obligation_id, step_id, due_at in AlertMark.objects.filter(obligation_id__in=list(done)).values_list(
        "obligation_id", "step", "due_at"
    ):
        if due_at == due_of[obligation_id]:  # marks of an earlier deadline belong to a ladder that was replaced
            done[obligation_id].add(step_id)
    marks: list[Mark] = []
    rungs: list[_Rung] = []
    for clock in clocks:
        kind = ObligationKind(clock.kind)
        decision = ladder_due(policy, kind, clock.due_at, open_=True, done=done[clock.pk], now=now)
        marks += [(clock.pk, s.id, clock.due_at, True, now) for s in decision.fire]
        marks += [(clock.pk, s.id, clock.due_at, False, now) for s in decision.skip]
        rungs += [_Rung(clock, step, tuple(s.id for s in decision.skip)) for step in decision.fire]
        finished = done[clock.pk] | {s.id for s in decision.fire} | {s.id for s in decision.skip}
        clock.ladder_at = ladder_next_at(policy, kind, clock.due_at, done=finished)
        if clock.due_at > now and clock.ladder_at is not None and clock.ladder_at >= clock.due_at:
            # a clock not yet due whose next rung comes with the flip: the deadline sweep fires it (``ladder_plan``),
            # so until then the clock stays out of the ladder's index (in a burst the ladder would read it beside
            # the sweep)
            clock.ladder_at = None
    return LadderDecisions(marks, rungs)


def _write(decisions: LadderDecisions, now: datetime, *, told: dict[int, dict[str, object]] | None = None) -> int:
    """Marks, alerts and audit entries of decided rungs, in a few INSERTs (not the next looks: see callers). With
    ``told``, overdue rungs are described there instead of audited (see ``ladder_fire_clocks``)."""
    insert_rows(AlertMark, MARK_COLUMNS, decisions.marks)
    specs, entries = [], []
    for rung in decisions.rungs:
        clock, step = rung.obligation, rung.step
        people = audience_users(step.to, clock.unit, now, clock.owed_to)
        specs.append(
            AlertSpec(
                key=f"ladder:{clock.pk}:{step.id}:{int(clock.due_at.timestamp())}",
                topic=step.topic,
                recipients=people,
                incident=clock.incident,
                obligation=clock,
                unit=clock.unit,
            )
        )
        said = {"step": step.id, "topic": step.topic, "to": [p.username for p in people], "skipped": list(rung.skipped)}
        if told is not None and step.topic == AlertTopic.OVERDUE:
            told[clock.pk] = {"alert": said}
            continue
        entries.append(
            AuditRecord(
                actor=None,
                action="obligation.alert",
                object_type="obligation",
                object_id=clock.pk,
                at=now,
                incident_id=clock.incident_id,
                unit_code=clock.unit.code,
                data={**said, "kind": clock.kind},
            )
        )
    alerts_emit_many(specs, now)
    audit_record_many(entries)
    return len(decisions.rungs)


# ---- a changed ladder (a new rulebook) re-plans every open clock ----

_adopted: set[str] = set()


def policy_fingerprint(policy: AlertPolicy) -> str:
    text = repr(sorted((s.id, s.topic, sorted(s.kinds), s.offset.total_seconds(), sorted(s.to)) for s in policy.steps))
    return hashlib.sha256(text.encode()).hexdigest()


def policy_adopt(policy: AlertPolicy, now: datetime) -> bool:
    """Once per process: if the ladder differs from the one the clocks were planned by, plan every open clock
    afresh (a new rung must reach clocks whose ladder had finished, a moved rung clocks planned by the old
    time). Returns True when it re-planned. The first ladder ever recorded re-plans nothing: clocks that existed
    before this column were given "plan afresh" by its migration, and every clock since was planned by this one."""
    fingerprint = policy_fingerprint(policy)
    if fingerprint in _adopted:
        return False
    with transaction.atomic():
        plan = LadderPlan.objects.select_for_update().filter(pk=1).first()
        changed = plan is not None and plan.fingerprint != fingerprint
        if changed:
            Obligation.objects.filter(state__in=OPEN).update(ladder_at=LADDER_REPLAN)
        if plan is None or changed:
            LadderPlan.objects.update_or_create(pk=1, defaults={"fingerprint": fingerprint, "adopted_at": now})
    _adopted.add(fingerprint)
    return changed

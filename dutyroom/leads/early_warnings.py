"""Early warnings (预警): the burst detector as a worker job, and what the duty room does with a warning.

Every ``STEP`` the job looks at the window of ``rule.window`` ending now (a sliding window) and its
``baseline_windows`` predecessors, counts each topic — a watch term hit or a stored hot word — once per
lead, and raises a warning for every burst (``opinion.bursts``) whose topic has not warned within the
cooldown. A warning is unique per topic and step (the ``STEP`` boundary at or before now), so concurrent
workers raise it once. The duty room acknowledges it (已知悉) or turns it into a verification request:
a lead, verified on the clock like any other, listing the items behind it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction

from dutyroom.accounts.models import User
from dutyroom.audit.services import audit_record
from dutyroom.common.errors import Conflict, Forbidden
from dutyroom.common.timefmt import iso_local
from dutyroom.incidents.rulebooks import current_snapshot, rulebook_of
from dutyroom.leads.models import EarlyWarning, Lead, WarningState, WatchHit
from dutyroom.leads.opinion import Burst, Story, bursts, is_topic, stories, z_score
from dutyroom.leads.services import LeadInput, LeadOrigin, lead_submit
from dutyroom.notifications.services import outbox_emit
from dutyroom.orgs.selectors import duty_room_unit
from dutyroom.rules import WatchRule

STEP = timedelta(minutes=5)
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def watch_rule() -> WatchRule | None:
    rulebook = rulebook_of(current_snapshot())
    return rulebook.leads.watch if rulebook.leads is not None else None


def step_at(now: datetime) -> datetime:
    """The step boundary at or before ``now``."""
    return now - (now - _EPOCH) % STEP


@dataclass
class Detection:
    """What the detector saw in the window ending now."""

    bursts: list[Burst]
    items: dict[str, list[int]] = field(default_factory=dict)  # topic → leads of the current window
    terms: set[str] = field(default_factory=set)  # topics that are watch terms
    sensitive: dict[str, list[int]] = field(default_factory=dict)  # term hit inside its sensitive period
    baselines: dict[str, float] = field(default_factory=dict)


def topics_by_lead(start: datetime, end: datetime) -> dict[int, tuple[datetime, set[str], dict[str, int]]]:
    """lead id → (received_at, its words, its watch terms with their level) for leads in (start, end]."""
    rows: dict[int, tuple[datetime, set[str], dict[str, int]]] = {
        pk: (at, set(words.split()), {})
        for pk, at, words in Lead.objects.filter(received_at__gt=start, received_at__lte=end).values_list(
            "id", "received_at", "words"
        )
    }
    hits = WatchHit.objects.filter(lead__received_at__gt=start, lead__received_at__lte=end)
    for lead_id, term, level in hits.values_list("lead_id", "term_text", "level"):
        if lead_id in rows:
            rows[lead_id][2][term] = max(level, rows[lead_id][2].get(term, 0))
    return rows


def detect(end: datetime, rule: WatchRule) -> Detection:
    """Bursts in the window ending at ``end``, and the terms hit inside their sensitive period."""
    start = end - rule.window * (rule.baseline_windows + 1)
    windows: list[Counter[str]] = [Counter() for _ in range(rule.baseline_windows + 1)]
    seen = Detection(bursts=[])
    for pk, (at, words, hit_terms) in topics_by_lead(start, end).items():
        index = int((end - at) / rule.window)
        # a burst is about an event or a place (or a watch term): other words ride along, never lead
        topics = {word for word in words if is_topic(word)} | set(hit_terms)
        windows[index].update(topics)
        seen.terms |= set(hit_terms)
        if index == 0:
            for topic in topics:
                seen.items.setdefault(topic, []).append(pk)
            for term, level in hit_terms.items():
                if level >= 2:
                    seen.sensitive.setdefault(term, []).append(pk)
    seen.bursts = bursts(windows[0], windows[1:], rule)
    history = windows[1:]
    for term in seen.sensitive:
        seen.baselines[term] = round(sum(w.get(term, 0) for w in history) / max(len(history), 1), 3)
    return seen


def _recent_topics(rule: WatchRule, now: datetime) -> set[str]:
    recent = EarlyWarning.objects.filter(raised_at__gt=now - rule.cooldown).values_list("topic", "related")
    return {topic for lead, related in recent for topic in [lead, *related]}


def _raise(story: Story, rule: WatchRule, term: bool, now: datetime, reason: str = "burst") -> EarlyWarning | None:
    burst, lead_ids = story.burst, sorted(story.items)
    params = {k: (v.total_seconds() // 60 if isinstance(v, timedelta) else v) for k, v in asdict(rule).items()}
    try:
        with transaction.atomic():
            warning = EarlyWarning.objects.create(
                topic=burst.topic[:100],
                topic_kind="term" if term else "word",
                related=list(story.related),
                reason=reason,
                window_start=now - rule.window,
                window_end=now,
                step_at=step_at(now),
                count=burst.count,
                baseline=burst.baseline,
                z=burst.z,
                params=params,
                raised_at=now,
            )
            warning.items.set(lead_ids)
            audit_record(
                actor=None,
                action="warning.raise",
                object_type="warning",
                object_id=warning.pk,
                at=now,
                data={
                    "topic": warning.topic,
                    "related": warning.related,
                    "count": burst.count,
                    "baseline": burst.baseline,
                    "z": burst.z,
                    "leads": lead_ids,
                },
            )
            outbox_emit(
                topic="lead.warning",
                units=[duty_room_unit()],
                at=now,
                sensitive=True,
                payload={"warning": warning.pk, "topic": warning.topic, "count": burst.count, "z": burst.z},
            )
    except IntegrityError:  # another worker raised it in this step
        return None
    return warning


def warnings_raise(now: datetime) -> list[EarlyWarning]:
    """One warning per story that burst, and one per watch term hit inside its sensitive period (敏感性:
    no burst needed), unless one of its topics warned within the cooldown."""
    rule = watch_rule()
    if rule is None:
        return []
    seen = detect(now, rule)
    quiet = _recent_topics(rule, now)
    raised: list[EarlyWarning | None] = []
    for story in stories(seen.bursts, {t: set(ids) for t, ids in seen.items.items()}, seen.terms):
        topics = {story.burst.topic, *story.related}
        if not topics & quiet:
            raised.append(_raise(story, rule, story.burst.topic in seen.terms, now))
            quiet |= topics
    for term, ids in sorted(seen.sensitive.items()):
        if term not in quiet:
            baseline = seen.baselines[term]
            burst = Burst(term, len(ids), baseline, round(z_score(len(ids), baseline), 2))
            raised.append(_raise(Story(burst, (), frozenset(ids)), rule, True, now, reason="sensitive"))
            quiet.add(term)
    return [w for w in raised if w is not None]


def warnings_job(now: datetime) -> datetime | None:
    """Worker job: look for bursts once a step."""
    warnings_raise(now)
    return step_at(now) + STEP


def _require_duty_room(actor: User) -> None:
    if not actor.is_duty_room:
        raise Forbidden("只有值班室可以处理预警", "only the duty room handles warnings")


def warning_acknowledge(*, actor: User, warning: EarlyWarning, now: datetime) -> EarlyWarning:
    _require_duty_room(actor)
    with transaction.atomic():
        updated = EarlyWarning.objects.filter(pk=warning.pk, state=WarningState.OPEN).update(
            state=WarningState.ACKNOWLEDGED, handled_by=actor, handled_at=now
        )
        if updated != 1:
            raise Conflict("该预警已处理", "this warning was already handled")
        audit_record(
            actor=actor,
            action="warning.acknowledge",
            object_type="warning",
            object_id=warning.pk,
            at=now,
            data={"topic": warning.topic},
        )
    warning.refresh_from_db()
    return warning


def warning_verify(*, actor: User, warning: EarlyWarning, now: datetime) -> EarlyWarning:
    """Turn the warning into a verification request: a lead (channel of most of its items) that lists the
    items and goes to that channel's verifiers on the clock."""
    _require_duty_room(actor)
    with transaction.atomic():
        if (
            EarlyWarning.objects.select_for_update()
            .filter(pk=warning.pk, state__in=[WarningState.OPEN, WarningState.ACKNOWLEDGED])
            .count()
            != 1
        ):
            raise Conflict("该预警已转核实", "this warning is already being verified")
        items = list(warning.items.order_by("received_at")[:50])
        channel = Counter(i.channel for i in items).most_common(1)[0][0] if items else "internet"
        listing = "\n".join(f"#{i.pk} {i.title}" for i in items)
        lead = lead_submit(
            data=LeadInput(
                channel=channel,
                title=f"预警核实：{warning.topic}（{warning.count}条）"[:200],
                text=f"窗口 {warning.window_start:%Y-%m-%d %H:%M}–{warning.window_end:%H:%M} UTC，"
                f"基线 {warning.baseline}，z={warning.z}\n{listing}",
            ),
            origin=LeadOrigin(source=f"warning:{warning.pk}", sender=actor),
            now=now,
        )
        EarlyWarning.objects.filter(pk=warning.pk).update(
            state=WarningState.VERIFYING, handled_by=actor, handled_at=now, lead=lead
        )
        audit_record(
            actor=actor,
            action="warning.verify",
            object_type="warning",
            object_id=warning.pk,
            at=now,
            data={"topic": warning.topic, "lead": lead.pk},
        )
    warning.refresh_from_db()
    return warning


def warning_view(warning: EarlyWarning) -> dict[str, object]:
    return {
        "id": warning.pk,
        "topic": warning.topic,
        "topic_kind": warning.topic_kind,
        "window_start": iso_local(warning.window_start),
        "window_end": iso_local(warning.window_end),
        "related": warning.related,
        "reason": warning.reason,
        "why": warning.why,
        "count": warning.count,
        "baseline": warning.baseline,
        "z": warning.z,
        "state": warning.state,
        "raised_at": iso_local(warning.raised_at),
        "lead": warning.lead_id,
        "items": list(warning.items.values_list("id", flat=True)),
    }

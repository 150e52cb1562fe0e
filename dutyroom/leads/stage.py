"""The stage report (阶段性舆情) for a chosen period: top topics, a trend, notable items and warnings.

One dictionary serves the page (its chart reads the ``trend`` part as JSON from a data attribute), the API
and the Word document (``stage_docx``), so the three can never disagree. The trend is per hour for periods
up to two days and per day (local time) beyond; it counts leads in total and for each of the top five hot
words. Notable items: leads that hit the watch list (highest level first), then confirmed ones.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q

from dutyroom.common.errors import ValidationFailed
from dutyroom.common.timefmt import LOCAL, iso_local
from dutyroom.leads.early_warnings import warning_view, watch_rule
from dutyroom.leads.models import EarlyWarning, Lead, LeadState, WatchHit
from dutyroom.leads.opinion import hot_words

MAX_PERIOD = timedelta(days=92)
NOTABLE = 20
TREND_TOPICS = 5


def check_period(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    if start is None or end is None:
        raise ValidationFailed({"start": ("请选择起止时间", "start and end are required")})
    if end <= start:
        raise ValidationFailed({"end": ("结束时间必须晚于开始时间", "end must be after start")})
    if end - start > MAX_PERIOD:
        raise ValidationFailed({"end": ("一次最多统计92天", "at most 92 days per report")})
    return start, end


def _bucket(at: datetime, hourly: bool) -> str:
    local = at.astimezone(LOCAL)
    return local.strftime("%m-%d %H:00") if hourly else local.strftime("%Y-%m-%d")


def _buckets(start: datetime, end: datetime, hourly: bool) -> list[str]:
    step = timedelta(hours=1) if hourly else timedelta(days=1)
    labels: list[str] = []
    at = start
    while at < end:
        label = _bucket(at, hourly)
        if not labels or labels[-1] != label:
            labels.append(label)
        at += step
    last = _bucket(end - timedelta(microseconds=1), hourly)
    if labels[-1] != last:
        labels.append(last)
    return labels


def stage_report(start: datetime, end: datetime) -> dict[str, Any]:
    start, end = check_period(start, end)
    rule = watch_rule()
    top = rule.hot_words if rule is not None else 20
    rows = list(
        Lead.objects.filter(received_at__gte=start, received_at__lt=end).values_list("id", "received_at", "words")
    )
    words = [(pk, at, set(w.split())) for pk, at, w in rows]
    hot = hot_words((w for _, _, w in words), top)
    hourly = end - start <= timedelta(days=2)
    labels = _buckets(start, end, hourly)
    position = {label: i for i, label in enumerate(labels)}
    total = [0] * len(labels)
    topics = [word for word, _ in hot[:TREND_TOPICS]]
    series = {topic: [0] * len(labels) for topic in topics}
    for _, at, found in words:
        i = position[_bucket(at, hourly)]
        total[i] += 1
        for topic in topics:
            if topic in found:
                series[topic][i] += 1
    terms = Counter(
        dict(
            WatchHit.objects.filter(lead__received_at__gte=start, lead__received_at__lt=end)
            .values_list("term_text")
            .annotate(n=Count("lead", distinct=True))
            .values_list("term_text", "n")
        )
    )
    notable = (
        Lead.objects.filter(received_at__gte=start, received_at__lt=end)
        .filter(Q(watch_level__gte=1) | Q(state=LeadState.CONFIRMED))
        .order_by("-watch_level", "-received_at")[:NOTABLE]
    )
    warnings = EarlyWarning.objects.filter(raised_at__gte=start, raised_at__lt=end).order_by("raised_at")
    return {
        "start": iso_local(start),
        "end": iso_local(end),
        "leads": len(rows),
        "hot_words": [{"word": w, "count": n} for w, n in hot],
        "watch_terms": [{"term": t, "count": n} for t, n in terms.most_common()],
        "trend": {
            "unit": "hour" if hourly else "day",
            "labels": labels,
            "series": [{"name": "线索总数", "data": total}]
            + [{"name": name, "data": data} for name, data in series.items()],
        },
        "notable": [
            {
                "id": lead.pk,
                "title": lead.title,
                "channel": lead.channel,
                "state": lead.state,
                "watch_level": lead.watch_level,
                "received_at": iso_local(lead.received_at),
            }
            for lead in notable
        ],
        "warnings": [warning_view(w) for w in warnings],
        "method": {
            "hot_words": "jieba (rjieba) words, counted once per lead",
            "burst": "Poisson z = (count - λ) / sqrt(λ + 1) over trailing windows",
            "params": {
                "window_minutes": int(rule.window.total_seconds() // 60),
                "baseline_windows": rule.baseline_windows,
                "min_items": rule.min_items,
                "z": rule.z,
            }
            if rule is not None
            else None,
        },
    }

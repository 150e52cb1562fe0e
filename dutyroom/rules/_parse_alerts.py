"""Reading the rulebook's ``alerts`` section into an ``AlertPolicy``.

Apart from ``alerts.py`` because reading needs the rulebook ``Checker``, which needs the rulebook model, which
holds an ``AlertPolicy``: with the reader inside ``alerts.py`` those three modules imported each other in a
circle. Now the vocabulary (``alerts.py``) sits below the model and the reader above both.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from ._check import ID, Checker
from .alerts import LADDER_TOPICS, AlertPolicy, AlertStep, AlertTopic, Audience
from .enums import ObligationKind


def parse_alerts(c: Checker, value: object) -> AlertPolicy:
    """``alerts: {steps: [{id, topic, kinds, offset_minutes, to}]}``; ``c`` is the rulebook ``Checker``."""
    data = c.mapping(value, "alerts", ("steps",))
    steps: list[AlertStep] = []
    for i, raw in enumerate(c.items(data["steps"], "alerts.steps")):
        path = f"alerts.steps[{i}]"
        step_data: Mapping[str, Any] = c.mapping(raw, path, ("id", "topic", "kinds", "offset_minutes", "to"))
        step_id = c.text(step_data["id"], f"{path}.id", ID)
        if any(s.id == step_id for s in steps):
            c.fail(f"{path}.id", f"duplicate step id {step_id!r}")
        topic = c.member(AlertTopic, step_data["topic"], f"{path}.topic")
        if topic not in LADDER_TOPICS:
            c.fail(f"{path}.topic", f"{topic} is not a clock alert (allowed: {', '.join(sorted(LADDER_TOPICS))})")
        offset = step_data["offset_minutes"]
        if isinstance(offset, bool) or not isinstance(offset, int):
            c.fail(f"{path}.offset_minutes", f"must be a whole number of minutes (negative = before), got {offset!r}")
        if topic == AlertTopic.REMINDER and offset >= 0:
            c.fail(f"{path}.offset_minutes", "a reminder comes before the deadline: use a negative number")
        if topic != AlertTopic.REMINDER and offset < 0:
            c.fail(f"{path}.offset_minutes", f"a {topic} alert comes at or after the deadline: use 0 or more")
        steps.append(
            AlertStep(
                id=step_id,
                topic=topic,
                kinds=c.members(ObligationKind, step_data["kinds"], f"{path}.kinds", allow_empty=False),
                offset=timedelta(minutes=offset),
                to=c.members(Audience, step_data["to"], f"{path}.to", allow_empty=False),
            )
        )
    return AlertPolicy(tuple(steps))

"""``learned_lead``: the lead an incident's clock was preceded by ("learned from lead N at T"), for the
incident page's clocks. Kept apart from ``dutyroom_web`` so the leads additions stay in their own files."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def learned_lead(obligation_id: int, learned: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    """The ``learned_from_leads`` entry bearing on this obligation, or None."""
    return next((f for f in learned or [] if f["obligation"] == obligation_id), None)

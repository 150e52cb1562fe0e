"""Labels for leads on the pages, in the page's language (the API keeps the stored codes).

Channels are a rules-core enum (``label_zh``/``label_en`` like every other); lead, duplicate and evidence
states are the leads models' choices, whose labels are ``gettext_lazy`` and so follow the page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from dutyroom.assessment.notice import town_short_name
from dutyroom.common.clock import now as clock_now
from dutyroom.common.timefmt import LOCAL
from dutyroom.leads.models import DuplicateState, EvidenceState, Lead, LeadState
from dutyroom.orgs.models import Unit
from dutyroom.rules import LeadChannel
from dutyroom.web.labels import label, obligation_state_label, unit_name, when_text


def channel_label(value: str | None) -> str:
    if not value:
        return ""
    try:
        return label(LeadChannel(value))
    except ValueError:
        return value


def _choice(choices: Any, value: str | None) -> str:
    return str(dict(choices.choices).get(value, value or ""))


def _when(value: str | None) -> str:
    """An ISO time of the API shape as people read it (local wall time to the minute)."""
    if not value:
        return ""
    return when_text(datetime.fromisoformat(value).astimezone(LOCAL), clock_now().astimezone(LOCAL).date())


def _unit_names(codes: list[str]) -> dict[str, str]:
    return {u.code: unit_name(u) for u in Unit.objects.filter(code__in=[c for c in codes if c])}


def source_label(row: Lead) -> str:
    """Who sent the lead, in words: the person's name, or the feed's name; never ``user:<username>``."""
    if row.sender is not None:
        return row.sender.label
    if row.feed is not None:
        return row.feed.name
    return channel_label(row.channel)


def labelled(lead: dict[str, Any], row: Lead | None = None) -> dict[str, Any]:
    """``lead_view``'s dictionary with ``*_label`` keys added beside each code the page shows, times in
    local words and units by name (the API keeps codes and ISO times)."""
    lead["channel_label"] = channel_label(lead["channel"])
    codes = [lead.get("area") or "", lead.get("verifier_unit") or ""]
    codes += [v["unit"] for v in lead.get("verifiers", [])]
    names = _unit_names(codes)
    lead["area_label"] = names.get(lead.get("area") or "", "")
    lead["verifier_unit_label"] = names.get(lead.get("verifier_unit") or "", "")
    lead["received_label"] = _when(lead["received_at"])
    lead["occurred_label"] = _when(lead["occurred_at"])
    lead["source_label"] = source_label(row) if row is not None else ""
    for verifier in lead.get("verifiers", []):
        verifier["unit_label"] = names.get(verifier["unit"], verifier["unit"])
        verifier["due_label"] = _when(verifier["obligation"]["due_at"])
    lead["state_label"] = _choice(LeadState, lead["state"])
    for duplicate in lead.get("duplicates", []):
        duplicate["state_label"] = _choice(DuplicateState, duplicate["state"])
    for verifier in lead.get("verifiers", []):
        verifier["obligation"]["state_label"] = obligation_state_label(verifier["obligation"]["state"])
    if lead.get("evidence"):
        evidence = lead["evidence"]
        evidence["state_label"] = _choice(EvidenceState, evidence["state"])
        evidence["kind_label"] = _("迟报") if evidence["kind"] == "late" else _("漏报")
        evidence["received_label"] = _when(evidence["lead_received_at"])
        named = _unit_names([evidence["unit"], evidence.get("room") or ""])
        evidence["unit_label"] = named.get(evidence["unit"], "")
        evidence["room_label"] = town_short_name(named.get(evidence.get("room") or "", ""))
    return lead

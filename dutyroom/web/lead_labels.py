"""Labels for leads on the pages, in the page's language (the API keeps the stored codes).

Channels are a rules-core enum (``label_zh``/``label_en`` like every other); lead, duplicate and evidence
states are the leads models' choices, whose labels are ``gettext_lazy`` and so follow the page.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from dutyroom.leads.models import DuplicateState, EvidenceState, LeadState
from dutyroom.rules import LeadChannel
from dutyroom.web.labels import label, obligation_state_label


def channel_label(value: str | None) -> str:
    if not value:
        return ""
    try:
        return label(LeadChannel(value))
    except ValueError:
        return value


def _choice(choices: Any, value: str | None) -> str:
    return str(dict(choices.choices).get(value, value or ""))


def labelled(lead: dict[str, Any]) -> dict[str, Any]:
    """``lead_view``'s dictionary with ``*_label`` keys added beside each code the page shows."""
    lead["channel_label"] = channel_label(lead["channel"])
    lead["state_label"] = _choice(LeadState, lead["state"])
    for duplicate in lead.get("duplicates", []):
        duplicate["state_label"] = _choice(DuplicateState, duplicate["state"])
    for verifier in lead.get("verifiers", []):
        verifier["obligation"]["state_label"] = obligation_state_label(verifier["obligation"]["state"])
    if lead.get("evidence"):
        evidence = lead["evidence"]
        evidence["state_label"] = _choice(EvidenceState, evidence["state"])
        evidence["kind_label"] = _("迟报") if evidence["kind"] == "late" else _("漏报")
    return lead

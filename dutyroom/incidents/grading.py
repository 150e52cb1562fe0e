"""Keeps an incident's suggested grade in step with its latest reported figures (domain.md §2)."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal

from dutyroom.incidents.models import Incident
from dutyroom.incidents.rulebooks import rulebook_of
from dutyroom.rules import FIGURE_FIELDS, Category, Figures, suggest_grade


def incident_refresh_suggestion(incident: Incident) -> None:
    """Recompute ``suggested_grade``/``grade_basis``; advice only — the duty room decides ``grade``."""
    if not incident.figures:
        incident.suggested_grade = None
        incident.grade_basis = {"basis": "尚无伤亡和损失数据，由值班室研判", "basis_en": "no figures reported yet"}
    else:
        # the loss is stored as a decimal string ("1234.50"); grading thresholds are whole yuan
        figures = Figures(**{k: int(Decimal(str(incident.figures.get(k) or 0))) for k in FIGURE_FIELDS})
        on = incident.occurred_at  # the rules core takes the day in the rulebook's time zone
        suggestion = suggest_grade(rulebook_of(incident.rulebook), Category(incident.category), incident.subtype,
                                   figures, on)
        incident.suggested_grade = suggestion.grade.value if suggestion.grade else None
        incident.grade_basis = {k: (v.value if hasattr(v, "value") else v) for k, v in asdict(suggestion).items()}
    incident.save(update_fields=["suggested_grade", "grade_basis"])

"""Keeps an incident's suggested grade in step with its latest reported figures (domain.md §2).

A figure no report has given is unknown, not 0. Unknown figures can only raise a grade, so a grade some
criterion reaches on the known figures stands (the basis names what is still unknown). But "every criterion
is below the 较大 threshold, so 一般" is only true when every figure a criterion adds up is known: while one
is unknown, the duty room is told so and no grade is suggested, rather than a 一般 computed from invented zeros.
"""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from typing import Any

from dutyroom.incidents.models import Incident
from dutyroom.incidents.rulebooks import rulebook_of
from dutyroom.rules import FIGURE_FIELDS, Category, Figures, applicable_table, suggest_grade

FIGURE_NAMES = {
    "deaths": ("死亡", "deaths"),
    "missing": ("失踪", "missing"),
    "trapped": ("被困", "trapped"),
    "serious_injuries": ("重伤", "serious injuries"),
    "injuries": ("轻伤", "injuries"),
    "evacuated": ("转移疏散", "evacuated"),
    "direct_loss_cny": ("直接经济损失", "direct economic loss"),
}


def known_figures(stored: dict[str, Any] | None) -> dict[str, int]:
    """The figures some report actually gave, in whole yuan for the loss (stored as a decimal string)."""
    return {k: int(Decimal(str(v))) for k, v in (stored or {}).items() if k in FIGURE_FIELDS and v is not None}


def incident_refresh_suggestion(incident: Incident) -> None:
    """Recompute ``suggested_grade``/``grade_basis`` and save them; advice only — the duty room decides
    ``grade``."""
    incident_suggest(incident)
    incident.save(update_fields=["suggested_grade", "grade_basis"])


SUGGESTION_FIELDS = ("suggested_grade", "grade_basis")


def incident_suggest(incident: Incident) -> None:
    """Set ``suggested_grade``/``grade_basis`` from the figures on the row in hand, without saving: a writer that
    saves the incident anyway (a new incident's INSERT, a report's UPDATE) writes them in the same statement."""
    known = known_figures(incident.figures)
    if not known:
        incident.suggested_grade = None
        incident.grade_basis = {"basis": "尚无伤亡和损失数据，由值班室研判", "basis_en": "no figures reported yet"}
    else:
        rulebook = rulebook_of(incident.rulebook)
        category = Category(incident.category)
        on = incident.occurred_at  # the rules core takes the day in the rulebook's time zone
        # unknown figures add nothing to a sum: what a criterion reaches on the known ones is a lower bound
        suggestion = suggest_grade(rulebook, category, incident.subtype, Figures(**known), on)
        basis = {k: (v.value if hasattr(v, "value") else v) for k, v in asdict(suggestion).items()}
        unknown = _unknown_criterion_fields(incident, known)
        if unknown and suggestion.grade is not None and suggestion.criterion is None:
            zh = "、".join(FIGURE_NAMES[name][0] for name in unknown)
            en = ", ".join(FIGURE_NAMES[name][1] for name in unknown)
            basis.update(
                grade=None,
                basis=f"已报数字均未达到较大标准，但{zh}不详，待报告后研判",
                basis_en=f"the reported figures are below the grade III thresholds, but {en} unknown: "
                "no grade suggested until they are reported",
            )
            incident.suggested_grade = None
        else:
            incident.suggested_grade = suggestion.grade.value if suggestion.grade else None
        basis["unknown"] = [name for name in FIGURE_FIELDS if name not in known]
        incident.grade_basis = basis


def _unknown_criterion_fields(incident: Incident, known: dict[str, int]) -> list[str]:
    """Figures the governing table's criteria add up that no report has given yet."""
    table = applicable_table(
        rulebook_of(incident.rulebook),
        Category(incident.category),
        incident.subtype,
        incident.occurred_at.astimezone(rulebook_of(incident.rulebook).tzinfo).date(),
    )
    if table is None:
        return []
    needed = {name for criterion in table.criteria for name in criterion.fields}
    return [name for name in FIGURE_FIELDS if name in needed and name not in known]

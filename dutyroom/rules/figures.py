"""Casualty and loss figures, shared by the rulebook validator (which checks the field names a grading
criterion sums) and the grader (which sums them). Kept in its own module so neither imports the other."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Figures:
    """What a report says happened. Counts are people; ``direct_loss_cny`` is whole yuan.

    Negative or non-integer figures are refused here rather than clamped: a typo like ``-3`` deaths
    must surface at the edge, not silently suggest a lower grade.
    """

    deaths: int = 0
    missing: int = 0
    trapped: int = 0
    serious_injuries: int = 0
    injuries: int = 0
    evacuated: int = 0
    direct_loss_cny: int = 0

    def __post_init__(self) -> None:
        for name in FIGURE_FIELDS:
            value = getattr(self, name)
            # bool is an int subclass; True deaths is a bug upstream, not a count.
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"Figures.{name} must be an integer, got {value!r}")
            if value < 0:
                raise ValueError(f"Figures.{name} must be ≥ 0, got {value}")


FIGURE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Figures))

"""The assessment rules in force: ``<configured rulebook id>.assessment.yaml``, loaded and validated once."""

from __future__ import annotations

from functools import lru_cache

from django.core.exceptions import ImproperlyConfigured

from dutyroom.incidents.rulebooks import configured_rulebook
from dutyroom.rules import RulebookError
from dutyroom.rules.scoring_book import ScoringBook, load_scoring_book


@lru_cache(maxsize=4)
def scoring_book() -> ScoringBook:
    """Raises ImproperlyConfigured naming the bad key, like the clocks rulebook does at start-up."""
    rulebook, _text = configured_rulebook()
    try:
        return load_scoring_book(rulebook.id)
    except RulebookError as error:
        raise ImproperlyConfigured(f"assessment rulebook: {error}") from error

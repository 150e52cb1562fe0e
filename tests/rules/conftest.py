from __future__ import annotations

import pytest

from dutyroom.rules import Rulebook

from . import TAICANG


@pytest.fixture
def rb() -> Rulebook:
    return TAICANG

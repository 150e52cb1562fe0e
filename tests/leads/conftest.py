from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def uploads_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.DUTYROOM_UPLOADS_DIR = tmp_path / "uploads"


@pytest.fixture(autouse=True)
def fresh_watch_cache() -> None:
    from dutyroom.leads import watch

    watch._cache.clear()

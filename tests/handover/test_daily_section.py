"""值班日报 section 六: the day's real handovers replace the old placeholder, and no secret title gets in."""

from __future__ import annotations

import pytest

from dutyroom.accounts.models import User
from dutyroom.common.clock import now as clock_now
from dutyroom.common.timefmt import LOCAL
from dutyroom.documents.daily import daily_content
from dutyroom.documents.layout import Paragraph
from dutyroom.handover.services import handover_acknowledge, handover_sign
from tests.handover.conftest import SECRET, Desk

pytestmark = pytest.mark.django_db


def text_of(day_now) -> str:  # type: ignore[no-untyped-def]
    document = daily_content(day_now.astimezone(LOCAL).date(), number="第1期", now=day_now)
    return "\n".join(b.text for b in document.blocks if isinstance(b, Paragraph))


def test_the_daily_report_lists_the_days_handovers_with_both_times_and_open_items(desk: Desk) -> None:
    now = clock_now()
    officer, leader = User.objects.get(username="duty-officer"), User.objects.get(username="duty-leader")
    first = handover_sign(actor=officer, note="沙溪火灾续报待收", now=now)
    handover_acknowledge(actor=leader, handover=first, note="", now=now)
    handover_sign(actor=leader, note="", now=now)
    text = text_of(now)
    assert "值班员签字交班，带班领导" in text and "确认接班" in text and "交班说明：沙溪火灾续报待收" in text
    assert f"未结事项{len(first.items)}项" in text and "尚未确认接班" in text
    assert "当日交接班记录见值班日志" not in text and SECRET not in text


def test_a_day_without_handovers_says_so(city: None) -> None:
    assert "当日无交接班记录。" in text_of(clock_now())

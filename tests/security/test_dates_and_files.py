"""Old and far-future dates and files that are not what they claim: a 400 (or the form's message) naming what
is wrong, never a 500."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dutyroom.common.clock import now as clock_now
from dutyroom.common.errors import ValidationFailed
from dutyroom.common.timefmt import LOCAL
from dutyroom.duty.importing import roster_file_read

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2199-06-01", "1899-12-31"])
def test_a_daily_report_for_a_day_out_of_range_is_refused(api: Any, day: str) -> None:
    refused = api("duty-officer").post("/daily-reports", {"day": day})
    assert refused.status_code == 400, refused.json_body
    assert [e["field"] for e in refused.json_body["errors"]] == ["day"]


def test_a_daily_report_for_today_and_tomorrow_is_made_but_not_for_next_week(api: Any) -> None:
    today = clock_now().astimezone(LOCAL).date()
    officer = api("duty-officer")
    assert officer.post("/daily-reports", {"day": today.isoformat()}).status_code == 201
    assert officer.post("/daily-reports", {"day": (today + timedelta(days=1)).isoformat()}).status_code == 201
    assert officer.post("/daily-reports", {"day": (today + timedelta(days=7)).isoformat()}).status_code == 400


@pytest.mark.parametrize(
    "content",
    [
        "开始,结束,值班员,带班领导\n0001-01-01 08:30,0001-01-02 08:30,duty-officer,duty-leader\n".encode(),
        "开始,结束,值班员,带班领导\n9999-12-31 08:30,9999-12-31 20:30,duty-officer,duty-leader\n".encode(),
        os.urandom(4096),
        b"\x00\x01\x02" * 500,
        b"\xff\xfe\xfd\x80\x81" * 300,
    ],
)
def test_a_roster_file_with_year_1_times_or_random_bytes_is_refused_clearly(city: None, content: bytes) -> None:
    with pytest.raises(ValidationFailed) as refused:
        roster_file_read("roster.csv", content)
    assert refused.value.errors  # a field and a message a person can read


def test_the_roster_page_answers_a_random_file_with_a_message(login: Any) -> None:
    upload = SimpleUploadedFile("roster.csv", os.urandom(4096) + b"\x00", content_type="text/csv")
    page = login("duty-officer").post("/roster/", {"file": upload}, follow=True)
    assert page.status_code == 200
    assert "无法读取" in page.content.decode() or "缺少列" in page.content.decode()

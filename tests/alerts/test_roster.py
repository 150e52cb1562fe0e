"""The duty roster (值班表): a week in one form, CSV and XLSX import, no overlaps, who is on duty now."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook

from dutyroom.accounts.models import User
from dutyroom.common.errors import Forbidden, ValidationFailed
from dutyroom.duty.importing import roster_file_read
from dutyroom.duty.models import Shift
from dutyroom.duty.selectors import roster_now
from dutyroom.duty.services import ShiftInput, shifts_save, week_shifts

pytestmark = pytest.mark.django_db
LOCAL = ZoneInfo("Asia/Shanghai")


def admin() -> User:
    return User.objects.get(username="admin")


def test_a_week_in_one_form_gives_seven_24_hour_shifts_from_0830(city):
    rows = [("duty-officer", "duty-leader", "assessor")] * 7
    saved = shifts_save(actor=admin(), shifts=week_shifts(date(2026, 11, 30), rows), now=datetime.now(LOCAL))
    assert len(saved) == 7
    first = saved[0]
    assert first.starts_at.astimezone(LOCAL) == datetime(2026, 11, 30, 8, 30, tzinfo=LOCAL)
    assert first.ends_at - first.starts_at == timedelta(hours=24)
    at = datetime(2026, 12, 3, 3, 0, tzinfo=LOCAL)  # 03:00 belongs to the shift that began the day before
    assert roster_now(at).starts_at.astimezone(LOCAL).date() == date(2026, 12, 2)


def test_a_csv_roster_with_chinese_headers_imports(city):
    text = "开始,结束,值班员,带班领导,市领导\n2026-12-01 08:30,2026-12-02 08:30,duty-officer,duty-leader,assessor\n"
    shifts = roster_file_read("roster.csv", text.encode("utf-8-sig"))
    saved = shifts_save(actor=admin(), shifts=shifts, now=datetime.now(LOCAL))
    assert saved[0].city_leader.username == "assessor"
    assert saved[0].starts_at == datetime(2026, 12, 1, 8, 30, tzinfo=LOCAL)


def test_an_xlsx_roster_imports_with_real_date_cells(city):
    book = Workbook()
    sheet = book.active
    sheet.append(["starts_at", "ends_at", "duty_officer", "duty_leader", "city_leader"])
    sheet.append([datetime(2026, 12, 5, 8, 30), datetime(2026, 12, 6, 8, 30), "duty-officer", "duty-leader", None])
    buffer = io.BytesIO()
    book.save(buffer)
    shifts = roster_file_read("值班表.xlsx", buffer.getvalue())
    saved = shifts_save(actor=admin(), shifts=shifts, now=datetime.now(LOCAL))
    assert saved[0].starts_at == datetime(2026, 12, 5, 8, 30, tzinfo=LOCAL) and saved[0].city_leader is None


def test_a_file_without_the_needed_columns_is_refused(city):
    with pytest.raises(ValidationFailed) as caught:
        roster_file_read("r.csv", b"start,who\n1,2\n")
    assert "duty_officer" in caught.value.errors["file"][1]


def test_overlapping_shifts_and_wrong_roles_are_refused_naming_the_row(city):
    at = datetime(2026, 12, 1, 8, 30, tzinfo=LOCAL)
    shifts_save(actor=admin(), now=at, shifts=[ShiftInput(at, at + timedelta(hours=24), "duty-officer", "duty-leader")])
    with pytest.raises(ValidationFailed) as caught:
        shifts_save(
            actor=admin(),
            now=at,
            shifts=[
                ShiftInput(at + timedelta(hours=30), at + timedelta(hours=40), "duty-officer", "duty-leader"),
                ShiftInput(at + timedelta(hours=12), at + timedelta(hours=36), "shaxi-reporter", "duty-leader"),
            ],
        )
    assert set(caught.value.errors) == {"rows[1].duty_officer"}
    assert Shift.objects.count() == 1, "all or nothing"


def test_only_the_duty_room_or_an_admin_edits_the_roster(city):
    at = datetime(2026, 12, 1, 8, 30, tzinfo=LOCAL)
    with pytest.raises(Forbidden):
        shifts_save(
            actor=User.objects.get(username="shaxi-leader"),
            now=at,
            shifts=[ShiftInput(at, at + timedelta(hours=24), "duty-officer", "duty-leader")],
        )


def test_a_shift_overlapping_another_is_refused(city):
    at = datetime(2026, 12, 1, 8, 30, tzinfo=LOCAL)
    shifts_save(actor=admin(), now=at, shifts=[ShiftInput(at, at + timedelta(hours=24), "duty-officer", "duty-leader")])
    with pytest.raises(ValidationFailed) as caught:
        shifts_save(
            actor=admin(),
            now=at,
            shifts=[ShiftInput(at + timedelta(hours=12), at + timedelta(hours=36), "duty-officer", "duty-leader")],
        )
    assert "starts_at" in caught.value.errors


def test_a_worker_pass_reads_the_roster_once_and_a_page_always_reads_it_afresh(city, django_assert_num_queries):
    """The overdue burst: the ladder asked the roster once per alert. Inside one worker pass it is read once;
    outside a pass (pages, the API) a change is seen at once."""
    from dutyroom.common.memo import pass_memo
    from dutyroom.duty.selectors import on_duty

    rows = [("duty-officer", "duty-leader", "assessor")] * 7
    shifts_save(actor=admin(), shifts=week_shifts(date(2026, 11, 30), rows), now=datetime.now(LOCAL))
    at = datetime(2026, 12, 1, 12, 0, tzinfo=LOCAL)
    with pass_memo():
        with django_assert_num_queries(1):
            for _ in range(50):
                assert [u.username for u in on_duty("duty_officer", at)] == ["duty-officer"]
        Shift.objects.filter(starts_at__lte=at, ends_at__gt=at).update(duty_officer=User.objects.get(username="admin"))
        assert [u.username for u in on_duty("duty_officer", at)] == ["duty-officer"]  # this pass: as it began
    assert [u.username for u in on_duty("duty_officer", at)] == ["admin"]  # the next read sees the change

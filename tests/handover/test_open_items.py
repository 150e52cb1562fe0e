"""The handover's list: every kind of open item, nothing met or closed, work-secret titles only for need-to-know."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dutyroom.accounts.models import User
from dutyroom.common.clock import now as clock_now
from dutyroom.handover.selectors import SECRET_TITLE, open_items
from dutyroom.instructions.services import instruction_feedback
from dutyroom.leads.verify import VerifyInput, lead_verify
from dutyroom.reports.services import ReportInput, report_confirm_receipt
from dutyroom.reports.verification import verification_reply_submit
from tests.handover.conftest import SECRET, Desk

pytestmark = pytest.mark.django_db


def kinds(items: list[dict]) -> set[str]:
    return {i["kind"] for i in items}


def test_open_items_list_every_kind_with_a_link(desk: Desk) -> None:
    items = open_items(clock_now())
    assert kinds(items) == {"clock", "receipt", "verification", "lead", "instruction"}
    assert all(i["link"].startswith("/") for i in items)
    lead = next(i for i in items if i["kind"] == "lead")
    assert lead["id"] == desk.lead.pk and lead["link"] == f"/leads/{desk.lead.pk}/"
    receipt = next(i for i in items if i["kind"] == "receipt")
    assert receipt["incident"] == desk.fire.pk and receipt["link"].startswith(f"/incidents/{desk.fire.pk}/#report-")
    verification = next(i for i in items if i["kind"] == "verification")
    assert verification["title"] == "请核实起火原因" and verification["unit"] == "shaxi"
    instruction = next(i for i in items if i["kind"] == "instruction")
    assert instruction["link"] == f"/incidents/{desk.fire.pk}/#instructions" and instruction["state"] == "pending"


def test_a_clock_past_due_reads_overdue_before_the_worker_flips_it(desk: Desk) -> None:
    secret_clocks = [i for i in open_items(clock_now()) if i["incident"] == desk.secret.pk and i["kind"] == "clock"]
    assert secret_clocks and {i["state"] for i in secret_clocks} == {"overdue"}


def test_met_and_closed_items_are_left_out(desk: Desk) -> None:
    officer = User.objects.get(username="duty-officer")
    reporter = User.objects.get(username="shaxi-reporter")
    now = clock_now()
    fire_clocks = {i["what"] for i in open_items(now) if i["incident"] == desk.fire.pk and i["kind"] == "clock"}
    assert "first_report" not in fire_clocks  # met by the written report at intake
    report_confirm_receipt(actor=officer, report=desk.fire.reports.get(), now=now)
    reply = verification_reply_submit(
        actor=reporter, request=desk.request, now=now, data=ReportInput(kind="verification_reply", summary="系电线老化")
    )
    report_confirm_receipt(actor=officer, report=reply, now=now)
    lead_verify(actor=officer, lead=desk.lead, now=now, data=VerifyInput(outcome="false", reason="经查不实"))
    instruction_feedback(actor=reporter, task=desk.task, text="已扑灭", now=now)
    left = open_items(now + timedelta(seconds=1))
    assert kinds(left) == {"clock"}, left


def test_work_secret_titles_show_only_to_those_with_need_to_know(desk: Desk) -> None:
    now = clock_now()

    def secret_titles(viewer: User | None) -> set[str]:
        return {i["title"] for i in open_items(now, viewer=viewer) if i["incident"] == desk.secret.pk}

    assert secret_titles(User.objects.get(username="duty-officer")) == {SECRET}
    assert secret_titles(User.objects.get(username="admin")) == {SECRET_TITLE}
    assert secret_titles(None) == {SECRET_TITLE}  # the frozen snapshot of a handover


def test_the_api_redacts_for_the_admin_and_the_snapshot_never_holds_a_secret(desk: Desk, api) -> None:
    shown = api("admin").get("/handovers/open-items")
    assert shown.status_code == 200
    assert SECRET not in str(shown.json_body) and SECRET_TITLE in str(shown.json_body)
    assert SECRET in str(api("duty-officer").get("/handovers/open-items").json_body)
    signed = api("duty-officer").post("/handovers", {"note": "交班"})
    assert signed.status_code == 201 and SECRET not in str(signed.json_body)
    assert signed.json_body["open_items"] == len(signed.json_body["items"]) >= 5


def test_open_items_are_for_the_duty_room_and_city_wide_readers(desk: Desk, api) -> None:
    assert api("assessor").get("/handovers/open-items").status_code == 200
    refused = api("shaxi-reporter").get("/handovers/open-items")
    assert refused.status_code == 403 and refused.json_body["detail"]

"""Act 4: a department misses its first-report deadline. The duty room chases it, the department reports late; the
assessor's 迟报 finding is refused while the clock still runs and accepted once it has passed; the department
appeals, the assessor decides, and the department's ledger shows the decision."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from dutyroom.incidents.models import Incident
from dutyroom.leads.models import Lead
from tests.browser.conftest import PHONE
from tests.browser.day.conftest import Clock, Step

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OpenPage = Callable[..., Page]
LEAD = "浏河镇新浏河桥下油罐车侧翻，柴油流入河道"


def raise_late_finding(assessor: Page, incident: Incident) -> None:
    assessor.goto("/findings/new/")
    assessor.locator(".picker-search").fill("油罐车")
    assessor.locator(".picker-list [role=option]", has_text="油罐车").first.click()
    expect(assessor.locator("#id_incident")).to_have_value(str(incident.pk))
    assessor.select_option("#id_unit", "emergency")
    assessor.select_option("#id_kind", "late")
    assessor.fill("#id_evidence", "首报时限内未收到市应急管理局书面报告，值班室已电话催报。")
    assessor.get_by_role("button", name="提交").click()


def test_a_department_reports_late_is_chased_found_late_appeals_and_the_ledger_shows_it(
    person: OpenPage, step: Step, clock: Clock, city_day: str
) -> None:
    # 1. A grid worker's lead, confirmed by the duty officer as a new incident of the emergency bureau.
    grid = person("grid-liuhe", PHONE)
    grid.fill("#id_title", LEAD)
    grid.fill("#id_text", "约 200 升柴油流入河道，下游有取水口，司机轻伤。")
    grid.get_by_role("button", name="报送").click()
    expect(grid.locator("h1")).to_contain_text(LEAD)
    step(grid, "grid-worker-lead-sent")
    lead = Lead.objects.get(title=LEAD)
    duty = person("duty-officer")
    duty.goto(f"/leads/{lead.pk}/")
    duty.get_by_role("link", name="确认属实，新建事件").click()
    duty.select_option("#id_category", "accident")
    duty.select_option("#id_unit", "emergency")
    step(duty, "duty-confirms-lead-for-department")
    duty.get_by_role("button", name="建立事件").click()
    duty.wait_for_url("**/incidents/*/")
    incident = Lead.objects.get(pk=lead.pk).incident
    assert incident is not None
    assert incident.unit.code == "emergency"
    first = incident.obligations.get(kind="first_report")
    step(duty, "incident-opened-against-department")

    # 2. Before the deadline the assessor cannot yet call the report late: refused, naming the due time.
    assessor = person("assessor")
    raise_late_finding(assessor, incident)
    expect(assessor.get_by_role("alert")).to_contain_text("到期后方可认定迟报")
    expect(assessor.locator("#id_evidence")).not_to_have_value("")  # what was typed survives the refusal
    step(assessor, "late-finding-refused-before-deadline")

    # 3. The deadline passes: the board shows the clock overdue and the duty officer chases the bureau.
    clock.advance(first.due_at - incident.created_at + timedelta(minutes=10))
    duty.goto("/")
    overdue = duty.locator(f"#clock-{first.pk}")
    expect(overdue).to_have_attribute("data-state", "overdue")
    step(duty, "board-first-report-overdue")
    # the notice wants the chase to carry a note of the phone call; the form offers no field for it
    phone_note = overdue.locator(".chase-form [name=note]")
    has_phone_note = phone_note.count() > 0
    if has_phone_note:
        phone_note.fill("10:20 电话催报市应急管理局值班室，对方称正在核实")
    overdue.get_by_role("button", name="催报").click()
    expect(duty.get_by_text("已催报 市应急管理局")).to_be_visible()
    step(duty, "duty-chased-department")

    # 4. The bureau reports, late.
    bureau = person("emergency-reporter", PHONE)
    bureau.goto(f"/incidents/{incident.pk}/report/")
    bureau.fill("#id_summary", "市应急管理局报告：已布设围油栏，下游取水口暂停取水，司机轻伤送医。")
    bureau.fill("#id_injuries", "1")
    step(bureau, "department-late-report")
    bureau.get_by_role("button", name="提交").click()
    bureau.wait_for_url(f"**/incidents/{incident.pk}/**")
    first.refresh_from_db()
    assert first.state == "late"

    # 5. Now the finding is accepted.
    raise_late_finding(assessor, incident)
    assessor.wait_for_url("**/findings/*/")
    step(assessor, "late-finding-raised")
    finding_url = assessor.url

    # 6. The bureau appeals; the assessor decides.
    bureau.goto(finding_url)
    bureau.fill("#appeal-form #id_text", "事发时本局未接到通知，获悉后即组织处置并报告。")
    step(bureau, "department-appeals")
    bureau.get_by_role("button", name="提交申诉").click()
    expect(bureau.locator("#finding-state")).not_to_have_text("")
    assessor.goto(finding_url)
    assessor.fill("#decision-form #id_reason", "值班室已于时限前电话通知，申诉理由不成立。")
    step(assessor, "assessor-decides")
    assessor.get_by_role("button", name="认定成立").click()
    expect(assessor.locator("#finding-state")).to_contain_text("成立")
    step(assessor, "finding-upheld")

    # 7. The bureau's ledger shows the upheld finding against this incident.
    assessor.goto("/assessment/units/emergency/")
    expect(assessor.locator("main")).to_contain_text("迟报")
    expect(assessor.locator("main")).to_contain_text(incident.title)
    step(assessor, "department-ledger")

    # 8. The month's ranking, from which the 通报 is written, counts the same late first report and the chase.
    assessor.goto("/assessment/")
    row = assessor.locator("table.ranking tr", has_text="市应急管理局").first
    expect(row.locator("td").nth(4)).to_have_text("0 / 1 / 0")
    expect(row.locator("td").nth(10)).to_have_text("1")
    step(assessor, "monthly-ranking")
    if not has_phone_note:
        pytest.xfail(
            reason="催报 on the board has no field for the phone note (the service takes a note; the form sends none)"
        )

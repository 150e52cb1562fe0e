"""Unknown is not zero: a figure a report leaves blank is unknown (null), never 0, and the incident keeps the
latest value each figure was actually given."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from dutyroom.incidents.models import Incident
from dutyroom.reports.models import Report

pytestmark = pytest.mark.django_db


def ago(minutes: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat()


def open_incident(api, casualties: dict | None) -> int:
    report = {"kind": "written", "summary": "厂房起火，消防到场。"}
    if casualties is not None:
        report["casualties"] = casualties
    body = {
        "title": "沙溪镇厂房火灾",
        "category": "accident",
        "subtype": "fire",
        "grade": "IV",
        "occurred_at": ago(30),
        "location": {"area": "shaxi"},
        "report": report,
    }
    response = api("shaxi-reporter").post("/incidents", body)
    assert response.status_code == 201, response.json_body
    return response.json_body["id"]


def test_a_final_report_that_leaves_injuries_blank_keeps_the_two_reported_before(api):
    reporter = api("shaxi-reporter")
    incident = open_incident(api, {"deaths": 0, "injuries": 2})
    final = reporter.post(
        f"/incidents/{incident}/reports", {"kind": "final", "summary": "善后完毕。", "casualties": {"deaths": 1}}
    )
    assert final.status_code == 201, final.json_body
    # the final report said nothing about injuries: unknown in its own record, not 0
    assert final.json_body["casualties"]["injuries"] is None
    assert final.json_body["casualties"]["deaths"] == 1
    body = api("duty-officer").get(f"/incidents/{incident}?with_reports=true").json_body
    first = body["reports"][0]
    assert first["casualties"]["injuries"] == 2 and first["casualties"]["deaths"] == 0  # an entered 0 stays 0
    assert first["casualties"]["missing"] is None
    # the incident carries each figure forward from the latest report that gave it
    figures = Incident.objects.get(pk=incident).figures
    assert figures == {"deaths": 1, "injuries": 2}
    assert body["figures"] == {
        "deaths": 1,
        "missing": None,
        "trapped": None,
        "serious_injuries": None,
        "injuries": 2,
        "evacuated": None,
        "direct_loss_cny": None,
    }


def test_a_figure_sent_as_null_is_unknown_and_stored_null(api):
    incident = open_incident(api, {"deaths": None, "injuries": 3})
    row = Report.objects.get(incident_id=incident)
    assert row.deaths is None and row.injuries == 3 and row.trapped is None


def test_a_report_without_figures_stores_none_and_leaves_the_incident_figures_alone(api):
    incident = open_incident(api, {"serious_injuries": 4})
    api("shaxi-reporter").post(f"/incidents/{incident}/reports", {"kind": "followup", "summary": "仍在处置。"})
    followup = Report.objects.get(incident_id=incident, kind="followup")
    assert [getattr(followup, f) for f in ("deaths", "injuries", "serious_injuries")] == [None, None, None]
    assert Incident.objects.get(pk=incident).figures == {"serious_injuries": 4}


def test_no_grade_is_suggested_from_invented_zeros(api):
    incident = open_incident(api, {"injuries": 1})
    stored = Incident.objects.get(pk=incident)
    # deaths, missing, serious injuries and the loss are unknown: "一般" would rest on zeros nobody reported
    assert stored.suggested_grade is None
    assert "不详" in stored.grade_basis["basis"] and "unknown" in stored.grade_basis["basis_en"]
    # once every figure the table adds up is known, the 一般 suggestion is honest
    api("shaxi-reporter").post(
        f"/incidents/{incident}/reports",
        {
            "kind": "followup",
            "summary": "核实伤亡。",
            "direct_loss_cny": "20000",
            "casualties": {"deaths": 0, "missing": 0, "serious_injuries": 0},
        },
    )
    assert Incident.objects.get(pk=incident).suggested_grade == "IV"


def test_a_known_figure_that_reaches_a_grade_suggests_it_even_with_others_unknown(api):
    incident = open_incident(api, {"deaths": 3})
    stored = Incident.objects.get(pk=incident)
    assert stored.suggested_grade == "III"
    assert "direct_loss_cny" in stored.grade_basis["unknown"]


def test_the_web_form_blank_is_unknown(api, client, user):
    incident = open_incident(api, {"injuries": 2})
    client.force_login(user("shaxi-reporter"))
    response = client.post(
        f"/incidents/{incident}/report/",
        {
            "kind": "followup",
            "summary": "续报：伤员送医。",
            "deaths": "",
            "injuries": "",
            "serious_injuries": "1",
            "missing": "",
            "trapped": "",
            "evacuated": "",
            "direct_loss_cny": "",
        },
    )
    assert response.status_code in (302, 303), response.content.decode()[:2000]
    followup = Report.objects.get(incident_id=incident, kind="followup")
    assert followup.injuries is None and followup.deaths is None and followup.serious_injuries == 1
    assert Incident.objects.get(pk=incident).figures == {"injuries": 2, "serious_injuries": 1}


def test_the_incident_page_shows_a_reported_zero_and_claims_nothing_about_unknown_figures(api, client, user):
    incident = open_incident(api, {"deaths": 0, "injuries": 2})
    client.force_login(user("duty-officer"))
    page = client.get(f"/incidents/{incident}/").content.decode()
    figures = page[page.index('<ul class="figures">') :]
    figures = figures[: figures.index("</ul>")]
    assert "死亡" in figures and "<strong>0</strong>" in figures and "轻伤" in figures
    assert "失踪" not in figures and "无人员伤亡" not in figures  # unknown, so neither 0 nor "no casualties"


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection)


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_invented_zeros_into_unknown_and_keeps_entered_ones() -> None:
    before = [("reports", "0004_issue6_loss_limit")]
    old_apps = _migrate(before).loader.project_state(before).apps
    unit = old_apps.get_model("orgs", "Unit").objects.create(code="shaxi", name="沙溪镇", kind="town")
    snapshot = old_apps.get_model("incidents", "RulebookSnapshot").objects.create(
        ref="taicang-2017@1",
        rulebook_id="taicang-2017",
        version=1,
        sha256="0" * 64,
        text="x",
        loaded_at=datetime.now(UTC),
    )
    now = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    incident = old_apps.get_model("incidents", "Incident").objects.create(
        title="旧库中的事件",
        category="accident",
        occurred_at=now,
        unit=unit,
        rulebook=snapshot,
        created_at=now,
        updated_at=now,
        figures={
            "deaths": 0,
            "missing": 0,
            "trapped": 0,
            "serious_injuries": 0,
            "injuries": 0,
            "evacuated": 0,
            "direct_loss_cny": 0,
        },
    )
    OldReport = old_apps.get_model("reports", "Report")
    stated = OldReport.objects.create(
        incident=incident, unit=unit, kind="written", received_at=now, has_figures=True, injuries=2, deaths=0
    )
    blank = OldReport.objects.create(
        incident=incident, unit=unit, kind="followup", received_at=now + timedelta(hours=1), has_figures=False
    )

    _migrate(list(MigrationExecutor(connection).loader.graph.leaf_nodes()))

    assert Report.objects.get(pk=blank.pk).injuries is None  # never stated: unknown
    kept = Report.objects.get(pk=stated.pk)
    assert (kept.injuries, kept.deaths) == (2, 0)  # stated with figures: kept as stored
    # the incident's figures are rebuilt from its reports: the loss nobody gave is no longer 0
    figures = Incident.objects.get(pk=incident.pk).figures
    assert "direct_loss_cny" not in figures and figures["injuries"] == 2

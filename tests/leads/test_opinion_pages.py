"""The opinion desk and the stage report page (server side; the chart itself is in the browser test)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import docx
from django.test import Client

from dutyroom.common.timefmt import LOCAL as LOCAL_ZONE
from tests.leads.test_opinion import _lead


def _client(username: str) -> Client:
    from dutyroom.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_the_duty_room_sees_a_warning_acknowledges_it_and_downloads_the_stage_report(api):
    from dutyroom.leads.early_warnings import warnings_raise
    from dutyroom.leads.models import EarlyWarning

    now = datetime.now(UTC)
    for n in range(1, 7):
        _lead(f"璜泾镇码头吊机倒塌第{n}条", now - timedelta(minutes=n))
    warnings_raise(now)
    warning = EarlyWarning.objects.get()  # one story, one warning: its words burst together
    # the crane (吊机, folded to 起重机) and its collapse burst, and the place they happened, named in Chinese
    assert {"起重机", "坍塌", "璜泾镇"} <= {warning.topic, *warning.related}
    officer = _client("duty-officer")
    desk = officer.get("/leads/opinion/").content.decode()
    assert "条线索说到" in desk  # the warning says why it fired
    assert warning.topic in desk and "同时突增" in desk and f'data-warning="{warning.pk}"' in desk and "待处理" in desk
    assert officer.post(f"/leads/opinion/warnings/{warning.pk}/", {"action": "acknowledge"}).status_code == 302
    warning.refresh_from_db()
    assert warning.state == "acknowledged"

    local = now.astimezone(LOCAL_ZONE)
    query = {
        "start": (local - timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M"),
        "end": (local + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
    }
    page = officer.get("/leads/opinion/report/", query).content.decode()
    assert 'id="trend-chart"' in page and 'id="trend-data" type="application/json"' in page
    assert "echarts/echarts.min.js" in page and "<script>" not in page  # no inline script
    download = officer.get("/leads/opinion/report/", {**query, "format": "docx"})
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    cells = {c.text for t in docx.Document(io.BytesIO(download.content)).tables for r in t.rows for c in r.cells}
    assert warning.topic in cells

    assert _client("grid-shaxi").get("/leads/opinion/").status_code == 403
    assert _client("grid-shaxi").post(f"/leads/opinion/warnings/{warning.pk}/", {"action": "verify"}).status_code == 404

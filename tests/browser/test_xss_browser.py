"""Stored XSS and injection, in real Chromium: hostile titles, summaries and names are stored as text and shown
escaped on every page; no script runs, and the Content-Security-Policy reports no violation of our own pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from playwright.sync_api import Page

from dutyroom.accounts.models import User
from dutyroom.common.clock import now as clock_now
from dutyroom.incidents.services import IncidentInput, incident_create
from dutyroom.reports.services import ReportInput, VerificationInput, report_submit, verification_request_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAYLOADS = [
    '<script>window.__xss = "script"</script>',
    "<img src=x onerror=\"window.__xss = 'img'\">",
    '"><svg onload="window.__xss = \'svg\'">',
    "'; DROP TABLE incidents_incident; --",
    "javascript:window.__xss='href'",
    "控制字符\x07\x1b[31m",
]
HOSTILE = " ".join(PAYLOADS)


def test_hostile_text_is_shown_as_text_and_never_runs(open_page: Callable[..., Page]) -> None:
    now = clock_now()
    reporter = User.objects.get(username="liuhe-reporter")
    User.objects.filter(pk=reporter.pk).update(display_name=PAYLOADS[1])
    incident = incident_create(
        actor=reporter,
        now=now,
        data=IncidentInput(
            title=PAYLOADS[0][:200],
            category="accident",
            subtype="fire",
            grade="IV",
            occurred_at=now - timedelta(minutes=5),
            address=PAYLOADS[2],
        ),
    )
    report_submit(
        actor=reporter,
        incident=incident,
        now=now,
        data=ReportInput(
            kind="written",
            summary=HOSTILE,
            measures=PAYLOADS[1],
            signer=PAYLOADS[2][:100],
            contact_name=PAYLOADS[4][:100],
        ),
    )
    verification_request_create(
        actor=User.objects.get(username="duty-officer"),
        now=now,
        data=VerificationInput(unit="liuhe", authority="city", question=HOSTILE, incident=incident),
    )
    violations: list[str] = []
    for username in ("duty-officer", "liuhe-reporter"):
        page = open_page(username)
        page.on(
            "console",
            lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
        )
        for path in ("/", f"/incidents/{incident.pk}/", "/verification-requests/", f"/incidents/{incident.pk}/report/"):
            page.goto(path)
            page.wait_for_load_state("networkidle")
            assert page.evaluate("window.__xss") is None, path
            assert page.locator("script:not([src])").count() == 0, path
        page.goto(f"/incidents/{incident.pk}/")
        text = page.inner_text("main")
        assert "<script>window.__xss" in text and "onerror=" in text  # shown as the characters typed
    from dutyroom.incidents.models import Incident

    assert Incident.objects.filter(pk=incident.pk).exists()  # and the "DROP TABLE" was only text
    assert not violations, violations

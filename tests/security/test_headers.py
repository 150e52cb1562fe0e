"""Security headers on every page and API answer; the API's error shape for unknown paths, 413 and crashes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.web.conftest import incident_make

pytestmark = pytest.mark.usefixtures("demo_city")

PAGES = [
    "/",
    "/board.json",
    "/board/fragment/",
    "/login/",
    "/incidents/new/",
    "/incidents/{id}/",
    "/incidents/{id}/report/",
    "/verification-requests/",
    "/verification-requests/new/",
    "/api/v1/me",
    "/api/v1/incidents",
    "/api/v1/docs",
    "/no-such-page/",
]


def _check_headers(response: Any) -> None:
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cache-Control"] == "no-store"


def test_every_page_and_api_answer_carries_the_security_headers(login: Any, api: Any) -> None:
    incident = incident_make("shaxi-reporter")
    client = login("duty-officer")
    token = api("duty-officer").token
    for page in PAGES:
        response = client.get(page.format(id=incident.pk), headers={"Authorization": f"Bearer {token}"})
        assert response.status_code in (200, 302, 404), page
        _check_headers(response)
    _check_headers(Client().get("/"))  # the redirect to the login page too


def test_no_template_has_inline_script_or_style() -> None:
    from pathlib import Path

    import dutyroom.web

    for template in Path(dutyroom.web.__file__).parent.glob("templates/**/*.html"):
        text = template.read_text()
        assert "style=" not in text and "<style" not in text, template
        assert "<script>" not in text and " on" + "click=" not in text, template


def test_swagger_ui_is_served_from_our_own_static_files_not_a_cdn(api: Any) -> None:
    page = Client().get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower() and "https://" not in page
    assert Client().get("/static/ninja/swagger-ui-bundle.js").status_code == 200


def test_tls_switch_makes_cookies_secure_and_sends_hsts(settings: Any) -> None:
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    response = Client().get("/login/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response.cookies["csrftoken"]["secure"]
    assert response.cookies["csrftoken"]["samesite"] == "Lax"


def test_unknown_api_paths_and_wrong_methods_answer_in_the_json_error_shape(api: Any) -> None:
    caller = api("duty-officer")
    missing = caller.get("/no-such-thing")
    assert missing.status_code == 404
    assert missing["Content-Type"].startswith("application/json")
    assert set(missing.json_body) == {"detail", "detail_zh", "detail_en"}
    wrong = caller.call("delete", "/me")
    assert wrong.status_code == 405 and wrong.json_body["detail_en"] == "method not allowed"


def test_a_body_over_the_limit_is_a_json_413(api: Any, settings: Any) -> None:
    settings.DUTYROOM_MAX_BODY_BYTES = 1000
    response = api("duty-officer").post("/incidents", {"title": "x" * 2000})
    assert response.status_code == 413
    _check_headers(response)
    assert "1000" in response.json_body["detail"]


def test_a_crash_under_the_api_is_a_json_500_not_an_html_page(api: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from dutyroom.api.routes import system

    def explode() -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(system, "audit_verify", explode)
    client = api("admin")
    client.client.raise_request_exception = False
    response = client.get("/audit/verify")
    assert response.status_code == 500
    assert json.loads(response.content)["detail_en"] == "internal server error (logged)"
    assert "disk on fire" not in response.content.decode()

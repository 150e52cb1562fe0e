"""Every API write is strict, from one base schema (``api.schemas.Strict``) and one text check
(``common.validation.text_problem``) that the services run for the web forms too.

The sweep walks the OpenAPI document, so an operation added later is covered without a new line here.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dutyroom.api.v1 import api as ninja_api
from dutyroom.common.validation import classified

pytestmark = pytest.mark.django_db

UNKNOWN = "zz_not_a_field"
# the federation inbox checks the sender's signature before it reads a field (tests/interop test its body)
SIGNED_ONLY = {"POST /api/v1/interop/inbox"}
XML_BODY = {"POST /api/v1/leads/cap"}  # its body is a CAP message: JSON of any shape is refused as a whole


def _writes() -> list[tuple[str, str]]:
    found = []
    for path, methods in ninja_api.get_openapi_schema()["paths"].items():
        for method in methods:
            if method in ("post", "put", "patch", "delete") and f"{method.upper()} {path}" not in SIGNED_ONLY:
                found.append((method, path))
    return found


def test_every_write_operation_refuses_an_unknown_field_with_a_400_naming_it(api: Any) -> None:
    officer = api("duty-officer")
    wrong = []
    writes = _writes()
    assert len(writes) > 30
    for method, path in writes:
        url = re.sub(r"\{\w+\}", "1", path)
        response = getattr(officer.client, method)(
            url, data=f'{{"{UNKNOWN}": 1}}', content_type="application/json", headers=officer._headers(None)
        )
        fields = [e["field"] for e in response.json().get("errors", [])] if response.status_code == 400 else []
        named = any(UNKNOWN in f for f in fields) or (f"{method.upper()} {path}" in XML_BODY and fields == ["body"])
        if response.status_code != 400 or not named:
            wrong.append(f"{method.upper()} {path}: {response.status_code} {response.content[:200]!r}")
    assert not wrong, "\n".join(wrong)


def _fields(response: Any) -> list[str]:
    assert response.status_code == 400, (response.status_code, response.json_body)
    return [e["field"] for e in response.json_body["errors"]]


def test_true_is_not_incident_one_in_a_duty_log_entry(api: Any) -> None:
    assert _fields(api("duty-officer").post("/duty-log", {"kind": "call", "text": "来电", "incident": True})) == [
        "incident"
    ]


def test_unknown_fields_on_verifying_a_warning_are_refused(api: Any) -> None:
    assert _fields(api("duty-officer").post("/warnings/1/verify", {"lead": 5})) == ["lead"]


@pytest.mark.parametrize("title", ["\u202e\u200b\u200c", "\u200b\u2060\ufeff", "正常\u202e标题"])
def test_a_lead_title_of_invisible_or_direction_control_characters_is_refused(api: Any, title: str) -> None:
    assert _fields(api("grid-shaxi").post("/leads", {"channel": "grid", "title": title})) == ["title"]


def test_text_is_kept_normalised_nfc_and_stripped(api: Any) -> None:
    made = api("grid-shaxi").post("/leads", {"channel": "grid", "title": "  \u200b沙溪镇Cafe\u0301门口冒烟\u3000 "})
    assert made.status_code == 201, made.json_body
    assert made.json_body["title"] == "沙溪镇Café门口冒烟"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"channel": "authority", "title": "上级通报"}, "channel"),
        ({"channel": "cap_feed", "title": "伪装预警"}, "channel"),
        ({"channel": "grid", "title": "别处的事", "area": "grid-liuhe"}, "area"),
        ({"channel": "grid", "title": "值班室的事", "area": "duty-room"}, "area"),
    ],
)
def test_a_grid_informant_cannot_pick_an_official_channel_or_another_place(
    api: Any, body: dict[str, Any], field: str
) -> None:
    assert _fields(api("grid-shaxi").post("/leads", body)) == [field]


def test_a_grid_informant_reports_in_its_grid_and_its_town(api: Any) -> None:
    for area in ("grid-shaxi", "shaxi"):
        made = api("grid-shaxi").post("/leads", {"channel": "grid", "title": "路面塌陷", "area": area})
        assert made.status_code == 201, made.json_body


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        ("http://hooks.example.org/x\r\nX-Injected: 1", "s" * 16),
        ("http://hooks.example.org:99999/x", "s" * 16),
        ("ftp://hooks.example.org/x", "s" * 16),
        ("http:///no-host", "s" * 16),
    ],
)
def test_a_webhook_address_is_http_with_a_host_a_real_port_and_no_line_breaks(api: Any, url: str, secret: str) -> None:
    assert _fields(api("admin").post("/webhooks", {"url": url, "secret": secret})) == ["url"]


def test_a_webhook_secret_with_nul_is_refused(api: Any) -> None:
    assert _fields(
        api("admin").post("/webhooks", {"url": "http://hooks.example.org/x", "secret": "abc\x00def" * 3})
    ) == ["secret"]


# --- classified text (notice §五): refused on every text field, the web forms included --------------------

REFUSED = ["本件属机密级", "绝密", "机密文件", "密级：秘密", "秘密★1年", "此件为秘密级", "机密★"]
ALLOWED = ["工作秘密", "本件属工作秘密", "涉及商业秘密的企业", "商业机密泄露事件", "请注意保守秘密", "秘密通道被堵"]


@pytest.mark.parametrize("text", REFUSED)
def test_text_that_declares_itself_a_state_secret_is_recognised(text: str) -> None:
    assert classified(text)
    assert classified(f"沙溪镇化工厂事故，{text}，请查收")


@pytest.mark.parametrize("text", ALLOWED)
def test_work_secret_and_ordinary_words_are_not_taken_for_a_marking(text: str) -> None:
    assert not classified(text)


def _iso(minutes: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat()


def test_classified_text_in_an_incident_report_is_refused_with_the_reason(api: Any) -> None:
    refused = api("shaxi-reporter").post(
        "/incidents",
        {
            "title": "化工厂泄漏",
            "category": "accident",
            "occurred_at": _iso(5),
            "report": {"kind": "written", "summary": "本件属机密级，详见附件"},
        },
    )
    assert _fields(refused) == ["report.summary"]
    message = refused.json_body["errors"][0]["message"]
    assert "不得录入本系统" in message and "保密渠道" in message


def test_classified_text_in_a_lead_and_a_duty_log_entry_is_refused(api: Any) -> None:
    assert _fields(api("grid-shaxi").post("/leads", {"channel": "grid", "title": "绝密", "text": "x"})) == ["title"]
    assert _fields(api("duty-officer").post("/duty-log", {"kind": "call", "text": "来电称机密文件丢失"})) == ["text"]


def test_a_work_secret_summary_is_accepted(api: Any) -> None:
    made = api("shaxi-reporter").post(
        "/incidents",
        {
            "title": "化工厂泄漏",
            "category": "accident",
            "occurred_at": _iso(5),
            "classification": "work_secret",
            "report": {"kind": "written", "summary": "本件属工作秘密，注意保守秘密"},
        },
    )
    assert made.status_code == 201, made.json_body


def test_the_web_form_refuses_classified_text_too(login: Any) -> None:
    page = login("grid-shaxi").post(
        "/leads/new/", {"channel": "grid", "title": "机密文件泄露", "text": "", "address": ""}
    )
    assert page.status_code in (200, 400)
    assert "不得录入本系统" in page.content.decode()


def test_a_cap_message_marked_as_a_state_secret_is_refused(api: Any) -> None:
    from pathlib import Path

    sample = Path(__file__).resolve().parents[1] / "data" / "cap" / "weather.cap"
    if not sample.exists():
        sample = Path(__file__).resolve().parents[3] / "shared" / "standards" / "cap" / "samples" / "weather.cap"
    body = re.sub(
        rb"<headline>[^<]*</headline>", "<headline>绝密：某地灾情</headline>".encode(), sample.read_bytes(), count=1
    )
    assert "绝密".encode() in body
    officer = api("duty-officer")
    refused = officer.client.post(
        "/api/v1/leads/cap", data=body, content_type="application/cap+xml", headers=officer._headers(None)
    )
    assert refused.status_code == 400, refused.content
    assert "不得录入本系统" in json.dumps(refused.json(), ensure_ascii=False)

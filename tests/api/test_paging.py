"""Every list of the API pages the same way (docs/api.md, "Lists, search and paging")."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from dutyroom.accounts.models import User
from dutyroom.alerts.fanout import outbox_fanout
from dutyroom.api.v1 import api as api_v1
from dutyroom.common.clock import now as clock_now
from dutyroom.leads.models import Lead
from dutyroom.orgs.models import Unit
from tests.api.test_incidents import incident_body, written

pytestmark = pytest.mark.django_db

NEXT = re.compile(r'^<(?P<url>[^>]+)>; rel="next"$')


def list_operations() -> list[str]:
    """Every GET of the OpenAPI document that answers a JSON list (read from the document, so a new list
    operation is covered the day it is added)."""
    found = []
    for path, operations in api_v1.get_openapi_schema()["paths"].items():
        get = operations.get("get")
        if get is None:
            continue
        ok = get["responses"].get(200) or get["responses"].get("200") or {}
        schema = ok.get("content", {}).get("application/json", {}).get("schema", {})
        if schema.get("type") == "array":
            found.append(path.removeprefix("/api/v1"))
    return found


def test_the_document_lists_many_list_operations_each_with_limit_and_offset() -> None:
    paths = list_operations()
    for wanted in (
        "/incidents",
        "/leads",
        "/obligations",
        "/notifications",
        "/findings",
        "/webhooks/{webhook_id}/deliveries",
        "/categories",
    ):
        assert wanted in paths
    schema = api_v1.get_openapi_schema()["paths"]
    for path in paths:
        get = schema[f"/api/v1{path}"]["get"]
        names = {p["name"] for p in get.get("parameters", [])}
        assert {"limit", "offset"} <= names, path
        ok = get["responses"].get(200) or get["responses"]["200"]
        assert set(ok["headers"]) == {"X-Total-Count", "Link"}, path


def caller_for(path: str) -> str:
    if path.startswith("/webhooks"):
        return "admin"
    return "duty-officer"


def walk(client: Any, path: str) -> tuple[list[Any], list[Any], int]:
    """The whole list in one call, and the same list read one item a page by following ``Link``."""
    sep = "&" if "?" in path else "?"
    whole = client.get(f"{path}{sep}limit=500")
    assert whole.status_code == 200, (path, whole.json_body)
    total = int(whole["X-Total-Count"])
    assert total == len(whole.json_body), path
    assert "Link" not in whole or total > 500
    pages: list[Any] = []
    url = f"{path}{sep}limit=1"
    for _ in range(total + 1):
        page = client.get(url)
        assert page.status_code == 200, (path, page.json_body)
        assert page["X-Total-Count"] == str(total), path
        assert len(page.json_body) <= 1
        pages.extend(page.json_body)
        link = page.get("Link")
        if link is None:
            break
        match = NEXT.match(link)
        assert match, link
        url = match["url"].split("/api/v1", 1)[1]
    return whole.json_body, pages, total


def test_every_list_operation_pages_with_total_and_next_link(api, settings, tmp_path) -> None:
    officer = api("duty-officer")
    first = api("shaxi-reporter").post("/incidents", incident_body(report=written())).json_body
    api("liuhe-reporter").post(
        "/incidents",
        incident_body(title="浏河镇仓库火灾", report=written(), location={"area": "liuhe", "address": "浏河"}),
    )
    hook = (
        api("admin")
        .post(
            "/webhooks",
            {"url": "http://127.0.0.1:9/hook", "secret": "0123456789", "topics": ["new_incident", "overdue"]},
        )
        .json_body
    )
    officer.post("/incidents", incident_body(title="值班室开设的事件", unit="shaxi"))
    outbox_fanout(clock_now())
    filled = {"{incident_id}": str(first["id"]), "{webhook_id}": str(hook["id"])}
    many = 0
    for template in list_operations():
        path = template
        for key, value in filled.items():
            path = path.replace(key, value)
        assert "{" not in path, f"no value for a path parameter of {template}"
        if template == "/assessment":  # the one list with a required parameter
            path += f"?period={clock_now():%Y-%m}"
        whole, pages, total = walk(api(caller_for(template)), path)
        assert pages == whole, template
        many += total >= 2
    assert many >= 4  # the walk above followed real next links, not only single pages


def test_limit_above_500_or_below_1_and_a_negative_offset_are_refused_naming_the_field(api) -> None:
    officer = api("duty-officer")
    for query, field in (("limit=501", "limit"), ("limit=0", "limit"), ("offset=-1", "offset")):
        answer = officer.get(f"/incidents?{query}")
        assert answer.status_code == 400
        assert field in {e["field"] for e in answer.json_body["errors"]}


def test_the_lead_list_is_no_longer_cut_at_500(api) -> None:
    now = datetime.now(UTC)
    grid = User.objects.get(username="grid-shaxi")
    shaxi = Unit.objects.get(code="shaxi")
    Lead.objects.bulk_create(
        [
            Lead(
                channel="grid",
                title=f"线索{i}",
                received_at=now,
                source="user:grid-shaxi",
                sender=grid,
                verifier_unit=shaxi,
            )
            for i in range(503)
        ]
    )
    officer = api("duty-officer")
    first = officer.get("/leads")
    assert len(first.json_body) == 500 and first["X-Total-Count"] == "503"
    match = NEXT.match(first["Link"])
    assert match and "offset=500" in match["url"]
    rest = officer.get(match["url"].split("/api/v1", 1)[1])
    assert len(rest.json_body) == 3 and "Link" not in rest
    seen = {lead["id"] for lead in first.json_body} | {lead["id"] for lead in rest.json_body}
    assert len(seen) == 503

"""docs/api.md lists every HTTP operation the server answers: the list is generated from the OpenAPI document
(tools/api_reference.py), and this test fails when an operation was added, removed or re-described without
regenerating it (`python tools/api_reference.py --write`)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_operation_list_in_docs_api_md_is_the_servers() -> None:
    spec = importlib.util.spec_from_file_location("api_reference", ROOT / "tools" / "api_reference.py")
    assert spec is not None and spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    from dutyroom.api.v1 import api

    table = tool.operations_table(api.get_openapi_schema())
    documented = (ROOT / "docs" / "api.md").read_text()
    assert f"{tool.BEGIN}\n{table}\n{tool.END}" in documented, "run: python tools/api_reference.py --write"

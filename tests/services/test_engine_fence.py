"""Engine-specific SQL stays in ``dutyroom/common/engine``, and every index that SQL names exists.

A statement that names an index (``INDEXED BY`` on SQLite) fails at run time once the index is renamed or
dropped, and only on the engine and the path that runs it: a migration that renames an index would pass every
other test. Here each name is held against the indexes and constraints the migrations create."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.db.migrations.loader import MigrationLoader

ROOT = Path(__file__).resolve().parents[2] / "dutyroom"
FENCE = ROOT / "common" / "engine"

# an index named in SQL: written out, or passed by name to the fence's helpers
NAMED = re.compile(r"INDEXED BY\s+(\w+)|(?:table|count|compiled)_by_index\([^,()]+,\s*[\"'](\w+)[\"']\)")
# SQL only one engine speaks, or Django's private backend internals
ENGINE_SQL = re.compile(r"INDEXED BY|SET LOCAL|unnest\(|django\.db\.backends")
# engine policy decided where it belongs (see the fence's docstring), not SQL
MAY_ASK_THE_VENDOR = {
    "audit/services.py",  # seal the chain inline on SQLite, deferred on PostgreSQL
    "backup.py",  # copy the file or run pg_dump
    "cli.py",  # name the engine in an error
    "commands.py",  # one process on SQLite
    "common/bus.py",  # LISTEN/NOTIFY on PostgreSQL
    "worker/loop.py",  # batch sizes measured per engine
}


def sources() -> list[Path]:
    return [p for p in ROOT.rglob("*.py") if "migrations" not in p.parts]


def code_text(path: Path) -> str:
    """The file's code with its docstrings and comments left out (they may name what they explain)."""
    tree = ast.parse(path.read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if id(node) in docstrings:
            assert isinstance(node, ast.Constant)
            node.value = ""
    return ast.unparse(tree)


def indexes_named_in_sql(text: str) -> set[str]:
    return {a or b for a, b in NAMED.findall(text)}


def migrated_indexes() -> set[str]:
    """The names of every index and constraint the migrations leave in the schema."""
    state = MigrationLoader(None, ignore_no_migrations=True).project_state()
    names: set[str] = set()
    for model in state.models.values():
        names |= {index.name for index in model.options.get("indexes", [])}
        names |= {constraint.name for constraint in model.options.get("constraints", [])}
    return names


def test_every_index_named_in_sql_is_created_by_the_migrations(db):
    named = {name: path for path in sources() for name in indexes_named_in_sql(code_text(path))}
    # the scan must see the hot paths' indexes, or it proves nothing
    assert {"outbox_pending", "obligation_ladder_due", "obligation_late_met"} <= set(named)
    missing = {name: str(path.relative_to(ROOT)) for name, path in named.items() if name not in migrated_indexes()}
    assert missing == {}


def test_the_check_notices_an_index_the_migrations_do_not_create(db):
    text = 'table_by_index(Obligation, "obligation_pending_due_v2")\nsql = "SELECT 1 FROM t INDEXED BY gone_index"'
    assert indexes_named_in_sql(text) - migrated_indexes() == {"obligation_pending_due_v2", "gone_index"}


def test_engine_specific_sql_lives_only_in_the_engine_package():
    outside = [
        str(path.relative_to(ROOT))
        for path in sources()
        if FENCE not in path.parents and ENGINE_SQL.search(code_text(path))
    ]
    assert outside == []


def test_only_engine_policy_asks_which_engine_runs():
    asking = {
        str(path.relative_to(ROOT))
        for path in sources()
        if FENCE not in path.parents and re.search(r"\bvendor\b", code_text(path))
    }
    assert asking <= MAY_ASK_THE_VENDOR, sorted(asking - MAY_ASK_THE_VENDOR)

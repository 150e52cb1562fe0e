"""The settings every PostgreSQL connection of the application starts with."""

from __future__ import annotations

import pytest
from django.db import connection

from config.env import database_config

pytestmark = pytest.mark.django_db


def test_a_connection_never_compiles_a_query_to_machine_code() -> None:
    """A town's board query over the unit tree is estimated above PostgreSQL's JIT threshold and spent 35 ms
    compiling for 0.1 ms of work; every query here is a short index lookup, so JIT is off for the application."""
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL setting")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_a_database_url_may_still_turn_it_on() -> None:
    options = database_config("postgresql://u@db/dutyroom?options=-c%20jit%3Don")["OPTIONS"]["options"]
    assert options == "-c jit=off -c jit=on"  # the later setting wins in PostgreSQL's startup options

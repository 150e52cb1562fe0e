"""The baseline endpoint for the scale group: the same stack (gunicorn, Django, middleware, database,
connection settings) serving a view that inserts one row and answers JSON — nothing of DutyRoom's work.

Served only by the benchmark (``DJANGO_SETTINGS_MODULE=_bare_settings`` makes this the URLconf): one URL in
front of the product's own.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

TABLE = "bench_bare_row"


def ensure_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (id INTEGER PRIMARY KEY, client INTEGER, at TEXT)"
            if connection.vendor == "sqlite"
            else f"CREATE TABLE IF NOT EXISTS {TABLE} (id BIGSERIAL PRIMARY KEY, client INTEGER, at TEXT)"
        )


@csrf_exempt
def bare_insert(request: HttpRequest) -> JsonResponse:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} (client, at) VALUES (%s, CURRENT_TIMESTAMP)", [1])
    return JsonResponse({"ok": True}, status=201)


urlpatterns: list[Any] = [path("bench/bare", bare_insert), path("", include("config.urls"))]

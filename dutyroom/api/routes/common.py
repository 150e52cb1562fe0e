"""Small helpers shared by the route modules."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django.http import HttpRequest

from dutyroom.accounts.models import User
from dutyroom.common.errors import ValidationFailed
from dutyroom.common.validation import Errors, check_text, check_time
from dutyroom.orgs.models import Unit
from dutyroom.orgs.selectors import unit_for_code


def caller(request: HttpRequest) -> User:
    return cast(User, request.auth)  # type: ignore[attr-defined]


def parse_since(value: str | None) -> datetime | None:
    return parse_time("since", value)


def parse_time(field: str, value: str | None) -> datetime | None:
    """A time filter of a list (ISO 8601 with its offset); a bad one is a 400 naming ``field``."""
    if not value:
        return None
    if "T" in value and " " in value:  # an unencoded "+08:00" in a query string arrives as " 08:00"
        value = value.replace(" ", "+")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as error:
        raise ValidationFailed.one(field, "时间格式无效，请使用 ISO 8601", "invalid ISO 8601 time") from error
    errors = Errors()
    check_time(errors, field, parsed)
    errors.raise_if_any()
    return parsed


def check_choice(field: str, value: str | None, allowed: list[str] | tuple[str, ...]) -> None:
    if value is not None and value not in allowed:
        raise ValidationFailed.one(
            field, f"取值无效，可选：{', '.join(allowed)}", f"invalid value; expected one of {', '.join(allowed)}"
        )


Body = dict[str, Any]


def unit_filter(code: str) -> Unit:
    """A list filter's unit: an unknown code is a 400 naming ``unit``, not an empty list."""
    errors = Errors()
    check_text(errors, "unit", code)  # a NUL byte would reach PostgreSQL as a DataError
    errors.raise_if_any()
    unit = unit_for_code(code, errors)
    errors.raise_if_any()
    assert unit is not None
    return unit

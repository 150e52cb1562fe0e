"""The API's error contract: 400 names each bad field (never the framework's 422), 401, 404, 409.

Messages are Chinese by default and English when the client sends ``Accept-Language: en``; both are
always present in each field's entry.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from dutyroom.common.errors import DomainError, ValidationFailed

PYDANTIC_ZH: dict[str, tuple[str, str]] = {
    "missing": ("必填", "is required"),
    "timezone_aware": ("时间必须带时区偏移（如 +08:00）", "time must carry a UTC offset such as +08:00"),
    "datetime_parsing": ("时间格式无效，请使用 ISO 8601（如 2026-11-28T09:30:00+08:00）", "invalid ISO 8601 time"),
    "datetime_from_date_parsing": ("时间格式无效，请使用 ISO 8601", "invalid ISO 8601 time"),
    "datetime_type": ("必须是时间", "must be a time"),
    "int_parsing": ("必须是整数", "must be an integer"),
    "int_type": ("必须是整数", "must be an integer"),
    "int_from_float": ("必须是整数", "must be an integer"),
    "greater_than_equal": ("不能为负数", "must not be negative"),
    "greater_than": ("必须大于 0", "must be greater than 0"),
    "less_than_equal": ("超出允许范围", "is too large"),
    "bool_parsing": ("必须是 true 或 false", "must be true or false"),
    "bool_type": ("必须是 true 或 false", "must be true or false"),
    "string_type": ("必须是文本", "must be a string"),
    "string_too_long": ("内容过长", "is too long"),
    "float_parsing": ("必须是数字", "must be a number"),
    "decimal_parsing": ("必须是数字", "must be a number"),
    "extra_forbidden": ("未知字段（不接受该字段）", "unknown field"),
    "nul_character": ("不能包含空字符（NUL）", "must not contain NUL characters"),
    "bool_not_accepted": ("不接受 true/false，请填写该字段的值", "true/false is not a value of this field"),
    "decimal_max_places": ("小数位数过多（最多精确到分）", "too many decimal places (at most fen)"),
    "decimal_max_digits": ("数字过长", "too many digits"),
    "decimal_whole_digits": ("数字过长", "too many digits"),
    "json_invalid": ("JSON 格式错误", "invalid JSON"),
    "model_attributes_type": ("必须是对象", "must be an object"),
    "dict_type": ("必须是对象", "must be an object"),
}
READ_ONLY_FIELDS = {
    "received_at": ("接收时间由服务器记录，客户端不能设置", "received_at is stamped by the server"),
    "number": ("续报编号由系统生成", "number is assigned by the server"),
}


def wants_english(request: HttpRequest) -> bool:
    return request.headers.get("Accept-Language", "").lower().startswith("en")


def _field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc]
    while parts and parts[0] in ("body", "query", "path", "header", "payload", "data", "filters"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def _pydantic_message(error: dict[str, Any], field: str) -> tuple[str, str]:
    leaf = field.rsplit(".", 1)[-1]
    if error.get("type") == "extra_forbidden" and leaf in READ_ONLY_FIELDS:
        return READ_ONLY_FIELDS[leaf]
    kind = str(error.get("type", ""))
    context = error.get("ctx") or {}
    if "zh" in context and "en" in context:  # our own checks carry both languages
        return (str(context["zh"]), str(context["en"]))
    if kind in ("literal_error", "enum"):
        expected = error.get("ctx", {}).get("expected", "")
        return (f"取值无效，可选：{expected}", f"invalid value; expected {expected}")
    if kind in PYDANTIC_ZH:
        return PYDANTIC_ZH[kind]
    message = str(error.get("msg", "invalid"))
    return (f"无效：{message}", message)


def validation_body(request: HttpRequest, errors: dict[str, tuple[str, str]]) -> dict[str, Any]:
    english = wants_english(request)
    return {
        "detail": "Request has invalid fields" if english else "请求中有字段不正确",
        "errors": [
            {"field": field, "message": en if english else zh, "message_zh": zh, "message_en": en}
            for field, (zh, en) in errors.items()
        ],
    }


def pydantic_errors(raw: list[dict[str, Any]]) -> dict[str, tuple[str, str]]:
    errors: dict[str, tuple[str, str]] = {}
    for error in raw:
        field = _field_name(error.get("loc", ()))
        errors.setdefault(field, _pydantic_message(error, field))
    return errors


def domain_body(request: HttpRequest, error: DomainError) -> dict[str, Any]:
    if isinstance(error, ValidationFailed):
        return validation_body(request, error.errors)
    english = wants_english(request)
    return {
        "detail": error.message_en if english else error.message,
        "detail_zh": error.message,
        "detail_en": error.message_en,
        **error.extra,
    }

"""Request bodies of API v1 (docs/api.md), every one built on ``Strict``: unknown fields are refused so typos never
vanish."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Literal, get_args

from django.http import HttpRequest
from ninja import Schema
from pydantic import AwareDatetime, ConfigDict, Field, StrictInt, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from dutyroom.common import limits
from dutyroom.common.errors import ValidationFailed
from dutyroom.common.validation import normalise_text, text_problem

GradeIn = Literal["I", "II", "III", "IV"]
CategoryIn = Literal["natural", "accident", "public_health", "social_security"]
ReportKindIn = Literal["phone", "written", "followup", "final", "verification_reply"]
ChannelIn = Literal["platform", "phone", "fax", "email", "qq", "wechat", "weibo", "other"]
Figure = Field(default=None, ge=0, le=limits.COUNT_MAX)


def _takes_bool(annotation: object) -> bool:
    return annotation is bool or any(_takes_bool(arg) for arg in get_args(annotation))


class Strict(Schema):
    """The base of every API write body, so no operation can be looser than the others:

    - unknown fields are refused (400 naming the field), so a typo or a field of a newer client never vanishes;
    - ``true``/``false`` are accepted only where the field is a boolean (pydantic would take ``true`` as 1 for an
      id or a number: ``{"incident": true}`` would name incident 1);
    - text is normalised (NFC, surrounding white space and invisible characters removed) and refused, naming
      the field, when it holds NUL or bidi controls, shows nothing (only zero-width characters), or declares
      itself a state secret (``common.validation.text_problem``, the same check the services run for the web
      forms).
    """

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def typed_as_declared(cls, value: object, info: ValidationInfo) -> object:
        if isinstance(value, str):
            problem = text_problem(value)
            if problem is not None:
                zh, en = problem
                raise PydanticCustomError("text_refused", "{en}", {"zh": zh, "en": en})
            return normalise_text(value)
        if isinstance(value, bool) and info.field_name is not None:
            field = cls.model_fields.get(info.field_name)
            if field is not None and not _takes_bool(field.annotation):
                raise PydanticCustomError("bool_not_accepted", "true/false is not a value of this field")
        return value


def no_body(request: HttpRequest) -> None:
    """An operation that takes no fields (mark read, retry, verify a warning) answers 400 naming any field sent,
    as a strict body would: nothing or ``{}`` is accepted, a typo like ``{"incident": 3}`` is not ignored."""
    raw = request.body
    if not raw.strip():
        return
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as error:  # a body nested ten thousand deep is garbage too
        raise ValidationFailed.one("body", "请求体不是有效的 JSON", "invalid JSON") from error
    if data is None or data == {}:
        return
    if not isinstance(data, dict):
        raise ValidationFailed.one("body", "此操作不接受请求内容", "this operation takes no body")
    raise ValidationFailed({str(name)[:100]: ("未知字段（不接受该字段）", "unknown field") for name in list(data)[:20]})


class CasualtiesIn(Strict):
    # true is not 1; a figure left out or sent as null is unknown, never 0
    deaths: StrictInt | None = Figure
    missing: StrictInt | None = Figure
    trapped: StrictInt | None = Figure
    serious_injuries: StrictInt | None = Figure
    injuries: StrictInt | None = Figure
    evacuated: StrictInt | None = Figure


class ReportIn(Strict):
    kind: ReportKindIn
    channel: ChannelIn = "platform"
    summary: str = Field(default="", max_length=limits.SUMMARY)
    casualties: CasualtiesIn | None = None
    direct_loss_cny: Decimal | None = Field(
        default=None, ge=0, le=limits.LOSS_CNY_MAX, decimal_places=limits.LOSS_CNY_PLACES
    )
    measures: str = Field(default="", max_length=limits.MEASURES)
    trend: str = Field(default="", max_length=limits.TREND)
    signer: str = Field(default="", max_length=limits.SIGNER)
    contact_name: str = Field(default="", max_length=limits.CONTACT_NAME)
    contact_phone: str = Field(default="", max_length=limits.CONTACT_PHONE)
    verification_request: int | None = None
    called_at: AwareDatetime | None = None
    unit: str | None = Field(default=None, max_length=limits.UNIT_CODE)


class LocationIn(Strict):
    area: str | None = Field(default=None, max_length=limits.UNIT_CODE)
    address: str = Field(default="", max_length=limits.ADDRESS)
    lat: float | None = None
    lon: float | None = None


class IncidentIn(Strict):
    title: str = Field(max_length=limits.TITLE)
    category: CategoryIn
    subtype: str = Field(default="", max_length=limits.SUBTYPE)
    grade: GradeIn | None = None
    sensitive: bool = False
    may_escalate: bool = False
    hotspot: bool = False
    exercise: bool = False
    occurred_at: AwareDatetime
    learned_at: AwareDatetime | None = None
    unit: str | None = Field(default=None, max_length=limits.UNIT_CODE)
    location: LocationIn | None = None
    classification: str = Field(default="internal", max_length=40)
    classified_stub: bool = False  # content went by the secure channel: times, grade and unit only
    report: ReportIn | None = None


class IncidentPatch(Strict):
    grade: GradeIn | None = None
    sensitive: bool | None = None
    may_escalate: bool | None = None
    hotspot: bool | None = None
    occurred_at: AwareDatetime | None = None
    category: CategoryIn | None = None
    subtype: str | None = Field(default=None, max_length=limits.SUBTYPE)
    reason: str = Field(default="", max_length=limits.REASON)


class WaiveIn(Strict):
    reason: str = Field(max_length=limits.REASON)


class VerificationRequestIn(Strict):
    unit: str = Field(max_length=limits.UNIT_CODE)
    authority: Literal["state_council", "jiangsu", "suzhou", "city"]
    question: str = Field(max_length=limits.QUESTION)
    incident: int | None = None
    due_at: AwareDatetime | None = None


class VerificationReplyIn(Strict):
    summary: str = Field(max_length=limits.SUMMARY)
    channel: ChannelIn = "platform"
    signer: str = Field(default="", max_length=limits.SIGNER)
    contact_name: str = Field(default="", max_length=limits.CONTACT_NAME)
    contact_phone: str = Field(default="", max_length=limits.CONTACT_PHONE)


class FindingIn(Strict):
    incident: int
    unit: str = Field(max_length=64)
    kind: Literal["late", "omitted", "false", "concealed"]
    evidence: str = Field(max_length=20000)
    lead: int | None = None


class AppealIn(Strict):
    text: str = Field(max_length=20000)


class DecisionIn(Strict):
    upheld: bool
    reason: str = Field(max_length=20000)


class AdoptionIn(Strict):
    incident: int
    unit: str = Field(max_length=64)
    by: Literal["suzhou", "jiangsu", "state_council"]
    note: str = Field(default="", max_length=2000)

"""Request bodies of API v1 (docs/api.md). Unknown fields are refused so typos never vanish."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from ninja import Schema
from pydantic import AwareDatetime, ConfigDict, Field, StrictInt, field_validator
from pydantic_core import PydanticCustomError

from dutyroom.common import limits

GradeIn = Literal["I", "II", "III", "IV"]
CategoryIn = Literal["natural", "accident", "public_health", "social_security"]
ReportKindIn = Literal["phone", "written", "followup", "final", "verification_reply"]
ChannelIn = Literal["platform", "phone", "fax", "email", "qq", "wechat", "weibo", "other"]
NonNegative = Field(default=0, ge=0, le=limits.COUNT_MAX)


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def no_nul(cls, value: object) -> object:
        """A NUL character is never text a person typed, and PostgreSQL cannot store it: a 400 naming the field."""
        if isinstance(value, str) and "\x00" in value:
            raise PydanticCustomError("nul_character", "must not contain NUL characters")
        return value


class CasualtiesIn(Strict):
    deaths: StrictInt = NonNegative  # true is not 1
    missing: StrictInt = NonNegative  # true is not 1
    trapped: StrictInt = NonNegative  # true is not 1
    serious_injuries: StrictInt = NonNegative  # true is not 1
    injuries: StrictInt = NonNegative  # true is not 1
    evacuated: StrictInt = NonNegative  # true is not 1


class ReportIn(Strict):
    kind: ReportKindIn
    channel: ChannelIn = "platform"
    summary: str = Field(default="", max_length=limits.SUMMARY)
    casualties: CasualtiesIn | None = None
    direct_loss_cny: Decimal | None = Field(default=None, ge=0, le=limits.LOSS_CNY_MAX,
                                            decimal_places=limits.LOSS_CNY_PLACES)
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
    kind: Literal["omitted", "false", "concealed"]
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

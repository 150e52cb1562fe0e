"""Enum labels and notice §五's channel ban."""

from __future__ import annotations

from enum import StrEnum

import pytest

from dutyroom.rules import (
    FIGURE_FIELDS,
    Anchor,
    Category,
    Channel,
    Classification,
    Figures,
    Flag,
    Grade,
    ObligationKind,
    ObligationState,
    ReportKind,
    Rulebook,
    Severity,
    channel_forbidden,
    grade_severity,
)

ALL_ENUMS: list[type[StrEnum]] = [
    Grade,
    Category,
    Flag,
    ObligationKind,
    ObligationState,
    ReportKind,
    Channel,
    Classification,
    Anchor,
]


@pytest.mark.parametrize("enum", ALL_ENUMS, ids=lambda e: f"every {e.__name__} has a Chinese label")
def test_every_member_has_a_chinese_label(enum: type[StrEnum]) -> None:
    for member in enum:
        assert isinstance(member.label_zh, str) and member.label_zh  # type: ignore[attr-defined]


@pytest.mark.parametrize("enum", ALL_ENUMS, ids=lambda e: f"every {e.__name__} has an English label")
def test_every_member_has_an_english_label(enum: type[StrEnum]) -> None:
    labels = [member.label_en for member in enum]  # type: ignore[attr-defined]
    assert all(isinstance(label, str) and label.strip() for label in labels)
    assert len(set(labels)) == len(labels)  # no two members read the same
    assert all(label.isascii() for label in labels)  # English, not a copied Chinese label


@pytest.mark.parametrize(
    ("member", "label"),
    [
        (Grade.I, "Grade I (extraordinarily serious)"),
        (Grade.IV, "Grade IV (ordinary)"),
        (ObligationKind.FIRST_REPORT, "First report"),
        (ObligationState.OVERDUE, "Overdue"),
        (Channel.WECHAT, "WeChat"),
        (Classification.WORK_SECRET, "Work secret"),
    ],
    ids=lambda v: str(v),
)
def test_english_labels(member: StrEnum, label: str) -> None:
    assert member.label_en == label  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("member", "label"),
    [
        (Grade.I, "Ⅰ级 特别重大"),
        (Grade.II, "Ⅱ级 重大"),
        (Grade.III, "Ⅲ级 较大"),
        (Grade.IV, "Ⅳ级 一般"),
        (ObligationKind.FIRST_REPORT, "首报"),
        (ObligationKind.PHONE_REPORT, "电话报告"),
        (ObligationKind.WRITTEN_REPORT, "书面报告"),
        (ObligationKind.FOLLOWUP, "续报"),
        (ObligationKind.FINAL_REPORT, "终报"),
        (ObligationKind.VERIFICATION_REPLY, "核报反馈"),
        (ObligationKind.RECEIPT, "签收确认"),
        (ObligationState.PENDING, "待完成"),
        (ObligationState.MET, "按时"),
        (ObligationState.LATE, "迟报"),
        (ObligationState.OVERDUE, "已超时"),
        (ObligationState.WAIVED, "已豁免"),
        (Category.NATURAL, "自然灾害"),
        (Category.ACCIDENT, "事故灾难"),
        (Category.PUBLIC_HEALTH, "公共卫生事件"),
        (Category.SOCIAL_SECURITY, "社会安全事件"),
        (Channel.PLATFORM, "平台"),
        (Channel.PHONE, "电话"),
        (Channel.FAX, "传真"),
        (Channel.EMAIL, "电子邮件"),
        (Channel.QQ, "QQ"),
        (Channel.WECHAT, "微信"),
        (Channel.WEIBO, "微博"),
        (Channel.OTHER, "其他"),
        (Classification.PUBLIC, "公开"),
        (Classification.INTERNAL, "内部"),
        (Classification.WORK_SECRET, "工作秘密"),
    ],
    ids=lambda v: str(v),
)
def test_labels(member: StrEnum, label: str) -> None:
    assert member.label_zh == label  # type: ignore[attr-defined]


def test_enum_values_are_the_stored_strings() -> None:
    members: list[str] = [Grade.II, ObligationState.OVERDUE, Channel.WECHAT]
    assert members == ["II", "overdue", "wechat"]


def test_grade_severity_orders_grades_with_ungraded_lowest() -> None:
    assert [grade_severity(g) for g in (Grade.I, Grade.II, Grade.III, Grade.IV, None)] == [4, 3, 2, 1, 0]


def test_figure_fields_match_the_figures_dataclass() -> None:
    assert tuple(Figures().__dict__) == FIGURE_FIELDS


FORBIDDEN_ROWS = [
    pytest.param(
        Channel.WECHAT,
        Severity(Grade.II),
        Classification.PUBLIC,
        True,
        id="a grade II report over WeChat is forbidden",
    ),
    pytest.param(
        Channel.QQ,
        Severity(Grade.I),
        Classification.INTERNAL,
        True,
        id="a grade I report over QQ is forbidden",
    ),
    pytest.param(
        Channel.WEIBO,
        Severity(Grade.IV, sensitive=True),
        Classification.PUBLIC,
        True,
        id="a sensitive report over Weibo is forbidden whatever the grade",
    ),
    pytest.param(
        Channel.WECHAT,
        Severity(None, hotspot=True),
        Classification.PUBLIC,
        True,
        id="a hotspot report over WeChat is forbidden",
    ),
    pytest.param(
        Channel.QQ,
        Severity(Grade.III, may_escalate=True),
        Classification.PUBLIC,
        True,
        id="a may-escalate report over QQ is forbidden",
    ),
    pytest.param(
        Channel.WECHAT,
        Severity(Grade.IV),
        Classification.WORK_SECRET,
        True,
        id="a work-secret report over WeChat is forbidden even at grade IV",
    ),
    pytest.param(
        Channel.WECHAT,
        Severity(Grade.IV),
        Classification.INTERNAL,
        False,
        id="an ordinary grade IV report over WeChat is not the notice's violation",
    ),
    pytest.param(
        Channel.WECHAT,
        Severity(Grade.III),
        Classification.PUBLIC,
        False,
        id="an ordinary grade III report over WeChat is not the notice's violation",
    ),
    pytest.param(
        Channel.FAX,
        Severity(Grade.I, sensitive=True),
        Classification.WORK_SECRET,
        False,
        id="fax is always allowed",
    ),
    pytest.param(
        Channel.PLATFORM,
        Severity(Grade.I),
        Classification.WORK_SECRET,
        False,
        id="the platform is always allowed",
    ),
    pytest.param("wechat", Severity(Grade.II), "internal", True, id="stored strings are accepted"),
]


@pytest.mark.parametrize(("channel", "severity", "classification", "forbidden"), FORBIDDEN_ROWS)
def test_channel_forbidden(
    rb: Rulebook, channel: Channel, severity: Severity, classification: Classification, forbidden: bool
) -> None:
    assert channel_forbidden(rb, channel, severity, classification) is forbidden

"""The vocabulary of the rules core.

Every enum is a ``StrEnum`` so its value is the string stored in the database, written in rulebook YAML
and sent over the API: one spelling everywhere, no mapping tables to drift apart. ``label_zh`` is the
Chinese label duty officers read; it lives here (not in templates) so forms, exports and notices agree.
``label_en`` is its English counterpart (domain.md §10), shown on pages the user switched to English.
"""

from __future__ import annotations

from enum import StrEnum


class Grade(StrEnum):
    """Statutory grade of an incident (突发事件应对法 Art. 3). Ⅰ is the most severe."""

    I = "I"  # noqa: E741 - the statutory name of the grade
    II = "II"
    III = "III"
    IV = "IV"

    @property
    def label_zh(self) -> str:
        return _GRADE_LABELS[self]

    @property
    def label_en(self) -> str:
        return _GRADE_LABELS_EN[self]


def grade_severity(grade: Grade | None) -> int:
    """Orders grades for comparison; ungraded sorts below Ⅳ because nothing says it is serious yet."""
    return 0 if grade is None else _GRADE_SEVERITY[Grade(grade)]


class Category(StrEnum):
    """The four statutory categories (突发事件应对法 Art. 2); subtypes are rulebook data."""

    NATURAL = "natural"
    ACCIDENT = "accident"
    PUBLIC_HEALTH = "public_health"
    SOCIAL_SECURITY = "social_security"

    @property
    def label_zh(self) -> str:
        return _CATEGORY_LABELS[self]

    @property
    def label_en(self) -> str:
        return _CATEGORY_LABELS_EN[self]


class Flag(StrEnum):
    """Notice §二/§三: any of these puts an incident on the "report immediately" path."""

    SENSITIVE = "sensitive"
    MAY_ESCALATE = "may_escalate"
    HOTSPOT = "hotspot"

    @property
    def label_zh(self) -> str:
        return _FLAG_LABELS[self]

    @property
    def label_en(self) -> str:
        return _FLAG_LABELS_EN[self]


class ObligationKind(StrEnum):
    """What a clock demands. ``RECEIPT`` is the duty room's own obligation, not the reporting unit's."""

    FIRST_REPORT = "first_report"
    PHONE_REPORT = "phone_report"
    WRITTEN_REPORT = "written_report"
    FOLLOWUP = "followup"
    FINAL_REPORT = "final_report"
    VERIFICATION_REPLY = "verification_reply"
    RECEIPT = "receipt"
    #: A lead (线索) must be verified (核实) by its verifier unit; met by the verifier's outcome, not a report.
    LEAD_VERIFICATION = "lead_verification"
    INSTRUCTION_FEEDBACK = "instruction_feedback"  # 督办: a unit's feedback on a leader's instruction (批示)

    @property
    def label_zh(self) -> str:
        return _OBLIGATION_KIND_LABELS[self]

    @property
    def label_en(self) -> str:
        return _OBLIGATION_KIND_LABELS_EN[self]


class LeadChannel(StrEnum):
    """Where a lead (线索) came from (notice §四). Internet and media leads are verified by the departments the
    rulebook names (propaganda, police); the others by the duty room."""

    MEDIA = "media"
    INTERNET = "internet"
    NEW_MEDIA = "new_media"
    INFORMANT = "informant"
    GRID = "grid"
    HOTLINE = "hotline"
    AUTHORITY = "authority"
    PUBLIC = "public"
    CAP_FEED = "cap_feed"

    @property
    def label_zh(self) -> str:
        return _LEAD_CHANNEL_LABELS[self]

    @property
    def label_en(self) -> str:
        return _LEAD_CHANNEL_LABELS_EN[self]


class ObligationState(StrEnum):
    """State of a clock. All but ``WAIVED`` are computed by ``evaluate``; waiving is a human decision."""

    PENDING = "pending"
    MET = "met"
    LATE = "late"
    OVERDUE = "overdue"
    WAIVED = "waived"

    @property
    def label_zh(self) -> str:
        return _OBLIGATION_STATE_LABELS[self]

    @property
    def label_en(self) -> str:
        return _OBLIGATION_STATE_LABELS_EN[self]


class ReportKind(StrEnum):
    """What a unit actually sent; rulebooks say which kinds meet which obligation (``met_by``)."""

    PHONE = "phone"
    WRITTEN = "written"
    FOLLOWUP = "followup"
    FINAL = "final"
    VERIFICATION_REPLY = "verification_reply"

    @property
    def label_zh(self) -> str:
        return _REPORT_KIND_LABELS[self]

    @property
    def label_en(self) -> str:
        return _REPORT_KIND_LABELS_EN[self]


class Channel(StrEnum):
    """How a report travelled. QQ/WeChat/Weibo exist so a violation of notice §五 can be recorded."""

    PLATFORM = "platform"
    PHONE = "phone"
    FAX = "fax"
    EMAIL = "email"
    QQ = "qq"
    WECHAT = "wechat"
    WEIBO = "weibo"
    OTHER = "other"

    @property
    def label_zh(self) -> str:
        return _CHANNEL_LABELS[self]

    @property
    def label_en(self) -> str:
        return _CHANNEL_LABELS_EN[self]


class Classification(StrEnum):
    """Levels the system may hold. State secrets (秘密 and above) are refused, so they have no member."""

    PUBLIC = "public"
    INTERNAL = "internal"
    WORK_SECRET = "work_secret"

    @property
    def label_zh(self) -> str:
        return _CLASSIFICATION_LABELS[self]

    @property
    def label_en(self) -> str:
        return _CLASSIFICATION_LABELS_EN[self]


class Anchor(StrEnum):
    """What a rulebook's initial clocks count from: Taicang counts from occurrence, Wuhan from learning."""

    OCCURRED = "occurred"
    LEARNED = "learned"

    @property
    def label_zh(self) -> str:
        return _ANCHOR_LABELS[self]

    @property
    def label_en(self) -> str:
        return _ANCHOR_LABELS_EN[self]


# Label tables sit outside the classes: a dict assigned in an Enum body would become a member.
_GRADE_LABELS = {Grade.I: "Ⅰ级 特别重大", Grade.II: "Ⅱ级 重大", Grade.III: "Ⅲ级 较大", Grade.IV: "Ⅳ级 一般"}
_GRADE_SEVERITY = {Grade.I: 4, Grade.II: 3, Grade.III: 2, Grade.IV: 1}
_CATEGORY_LABELS = {
    Category.NATURAL: "自然灾害",
    Category.ACCIDENT: "事故灾难",
    Category.PUBLIC_HEALTH: "公共卫生事件",
    Category.SOCIAL_SECURITY: "社会安全事件",
}
_FLAG_LABELS = {Flag.SENSITIVE: "敏感", Flag.MAY_ESCALATE: "可能演化为较大以上", Flag.HOTSPOT: "舆论热点"}
_OBLIGATION_KIND_LABELS = {
    ObligationKind.FIRST_REPORT: "首报",
    ObligationKind.PHONE_REPORT: "电话报告",
    ObligationKind.WRITTEN_REPORT: "书面报告",
    ObligationKind.FOLLOWUP: "续报",
    ObligationKind.FINAL_REPORT: "终报",
    ObligationKind.VERIFICATION_REPLY: "核报反馈",
    ObligationKind.RECEIPT: "签收确认",
    ObligationKind.LEAD_VERIFICATION: "线索核实",
    ObligationKind.INSTRUCTION_FEEDBACK: "批示反馈",
}
_OBLIGATION_STATE_LABELS = {
    ObligationState.PENDING: "待完成",
    ObligationState.MET: "按时",
    ObligationState.LATE: "迟报",
    ObligationState.OVERDUE: "已超时",
    ObligationState.WAIVED: "已豁免",
}
_REPORT_KIND_LABELS = {
    ReportKind.PHONE: "电话报告",
    ReportKind.WRITTEN: "书面报告",
    ReportKind.FOLLOWUP: "续报",
    ReportKind.FINAL: "终报",
    ReportKind.VERIFICATION_REPLY: "核报反馈",
}
_CHANNEL_LABELS = {
    Channel.PLATFORM: "平台",
    Channel.PHONE: "电话",
    Channel.FAX: "传真",
    Channel.EMAIL: "电子邮件",
    Channel.QQ: "QQ",
    Channel.WECHAT: "微信",
    Channel.WEIBO: "微博",
    Channel.OTHER: "其他",
}
_CLASSIFICATION_LABELS = {
    Classification.PUBLIC: "公开",
    Classification.INTERNAL: "内部",
    Classification.WORK_SECRET: "工作秘密",
}
_ANCHOR_LABELS = {Anchor.OCCURRED: "事发时间", Anchor.LEARNED: "获悉时间"}

# English labels (domain.md §10 glossary), for pages the user switched to English.
_GRADE_LABELS_EN = {
    Grade.I: "Grade I (extraordinarily serious)",
    Grade.II: "Grade II (serious)",
    Grade.III: "Grade III (major)",
    Grade.IV: "Grade IV (ordinary)",
}
_CATEGORY_LABELS_EN = {
    Category.NATURAL: "Natural disaster",
    Category.ACCIDENT: "Accident",
    Category.PUBLIC_HEALTH: "Public health event",
    Category.SOCIAL_SECURITY: "Social security event",
}
_FLAG_LABELS_EN = {
    Flag.SENSITIVE: "Sensitive",
    Flag.MAY_ESCALATE: "May escalate to grade III or above",
    Flag.HOTSPOT: "Public-opinion hotspot",
}
_OBLIGATION_KIND_LABELS_EN = {
    ObligationKind.FIRST_REPORT: "First report",
    ObligationKind.PHONE_REPORT: "Phone report",
    ObligationKind.WRITTEN_REPORT: "Written report",
    ObligationKind.FOLLOWUP: "Follow-up",
    ObligationKind.FINAL_REPORT: "Final report",
    ObligationKind.VERIFICATION_REPLY: "Verification reply",
    ObligationKind.RECEIPT: "Receipt",
    ObligationKind.LEAD_VERIFICATION: "Lead verification",
    ObligationKind.INSTRUCTION_FEEDBACK: "Instruction feedback",
}
_OBLIGATION_STATE_LABELS_EN = {
    ObligationState.PENDING: "Pending",
    ObligationState.MET: "Met",
    ObligationState.LATE: "Late",
    ObligationState.OVERDUE: "Overdue",
    ObligationState.WAIVED: "Waived",
}
_REPORT_KIND_LABELS_EN = {
    ReportKind.PHONE: "Phone report",
    ReportKind.WRITTEN: "Written report",
    ReportKind.FOLLOWUP: "Follow-up",
    ReportKind.FINAL: "Final report",
    ReportKind.VERIFICATION_REPLY: "Verification reply",
}
_CHANNEL_LABELS_EN = {
    Channel.PLATFORM: "Platform",
    Channel.PHONE: "Phone",
    Channel.FAX: "Fax",
    Channel.EMAIL: "E-mail",
    Channel.QQ: "QQ",
    Channel.WECHAT: "WeChat",
    Channel.WEIBO: "Weibo",
    Channel.OTHER: "Other",
}
_CLASSIFICATION_LABELS_EN = {
    Classification.PUBLIC: "Public",
    Classification.INTERNAL: "Internal",
    Classification.WORK_SECRET: "Work secret",
}
_ANCHOR_LABELS_EN = {Anchor.OCCURRED: "Time of occurrence", Anchor.LEARNED: "Time learned"}
_LEAD_CHANNEL_LABELS = {
    LeadChannel.MEDIA: "新闻媒体",
    LeadChannel.INTERNET: "互联网",
    LeadChannel.NEW_MEDIA: "新媒体",
    LeadChannel.INFORMANT: "信息员",
    LeadChannel.GRID: "网格员",
    LeadChannel.HOTLINE: "热线",
    LeadChannel.AUTHORITY: "上级或部门通报",
    LeadChannel.PUBLIC: "群众",
    LeadChannel.CAP_FEED: "预警发布系统（CAP）",
}
_LEAD_CHANNEL_LABELS_EN = {
    LeadChannel.MEDIA: "News media",
    LeadChannel.INTERNET: "Internet",
    LeadChannel.NEW_MEDIA: "New media",
    LeadChannel.INFORMANT: "Informant",
    LeadChannel.GRID: "Grid worker",
    LeadChannel.HOTLINE: "Hotline",
    LeadChannel.AUTHORITY: "Authority or department",
    LeadChannel.PUBLIC: "Member of the public",
    LeadChannel.CAP_FEED: "Warning feed (CAP)",
}

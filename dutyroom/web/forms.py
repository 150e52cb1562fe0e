"""Forms of the web UI. They only parse what people type; the services decide what is valid.

Checks that services make (required title, times not in the future, text lengths…) are *not* repeated
here: the form fields are lenient and the service's ``ValidationFailed`` is mapped back onto the fields
(``views.common.add_service_errors``), so the page and the API can never disagree and every bad field is
reported at once.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from dutyroom.common import limits
from dutyroom.common.timefmt import LOCAL
from dutyroom.incidents.rulebooks import configured_rulebook
from dutyroom.orgs.models import TERRITORIAL_KINDS
from dutyroom.orgs.selectors import reporting_units
from dutyroom.reports.services import CASUALTY_FIELDS, ReportInput
from dutyroom.rules import Category, Channel, Classification, Grade, ReportKind
from dutyroom.web import labels

CASUALTY_LABELS = {
    "deaths": _("死亡"),
    "missing": _("失踪"),
    "trapped": _("被困"),
    "serious_injuries": _("重伤"),
    "injuries": _("轻伤"),
    "evacuated": _("转移疏散"),
}
UNIT_CHANNELS = (Channel.PLATFORM, Channel.FAX, Channel.EMAIL, Channel.OTHER)


class LocalDateTimeField(forms.DateTimeField):
    """A ``datetime-local`` input read as Asia/Shanghai wall time, whatever the browser's or server's zone."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"})

    def to_python(self, value: Any) -> datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=LOCAL)
        try:
            parsed = datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationError(_("请输入有效的日期和时间，如 2024-05-01 10:30"), code="invalid") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=LOCAL)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, datetime):
            return value.astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M")
        return value


def _grade_choices() -> list[tuple[str, str]]:
    return [("", str(_("未定级"))), *labels.member_choices(Grade)]


def _subtype_choices() -> list[tuple[str, Any]]:
    """Grouped by category (``<optgroup>``); the page's script hides the groups of other categories.

    A group's label is the category's option text (the script matches them), in the page's language.
    """
    rulebook = configured_rulebook()[0]
    groups: list[tuple[str, Any]] = [("", str(_("—— 未细分 ——")))]
    for category in Category:
        options = [
            (code, labels.subtype_label(code, name)) for code, name in rulebook.subtypes.get(category, {}).items()
        ]
        if options:
            groups.append((labels.label(category), options))
    return groups


def _choices(form: forms.Form, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


def subtype_category(code: str) -> Category | None:
    rulebook = configured_rulebook()[0]
    for category, subtypes in rulebook.subtypes.items():
        if code in subtypes:
            return Category(category)
    return None


def _unit_choices(blank: bool = False) -> list[tuple[str, str]]:
    units = [(u.code, labels.unit_name(u)) for u in reporting_units().order_by("id")]
    return [("", str(_("—— 请选择 ——"))), *units] if blank else units


def _area_choices() -> list[tuple[str, str]]:
    areas = reporting_units().filter(kind__in=TERRITORIAL_KINDS).order_by("id")
    return [("", str(_("—— 不指定 ——"))), *[(u.code, labels.unit_name(u)) for u in areas]]


def _text(label: Any, *, rows: int = 0, max_length: int | None = None, **attrs: Any) -> forms.CharField:
    widget: forms.Widget = forms.Textarea(attrs={"rows": rows, **attrs}) if rows else forms.TextInput(attrs=attrs)
    return forms.CharField(label=label, required=False, max_length=max_length, widget=widget, strip=False)


def _count(label: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "placeholder": "—"}),
    )


def report_input_from(
    cleaned: dict[str, Any],
    *,
    kind: str,
    channel: str = Channel.PLATFORM.value,
    casualties: dict[str, int] | None = None,
    **given: Any,
) -> ReportInput:
    """One builder for every page that files a report: an absent text box is empty text, never ``None``."""
    text: dict[str, Any] = {name: cleaned.get(name) or "" for name in limits.REPORT_TEXT}
    return ReportInput(
        kind=kind,
        channel=channel,
        casualties=casualties,
        direct_loss_cny=cleaned.get("direct_loss_cny"),
        **text,
        **given,
    )


class ReportFieldsMixin(forms.Form):
    """The body of a report (domain.md §4), shared by the new-incident form and the report form."""

    summary = _text(_("事件概况（时间、地点、经过、影响范围、发展趋势）"), rows=5)
    deaths = _count(CASUALTY_LABELS["deaths"])
    missing = _count(CASUALTY_LABELS["missing"])
    trapped = _count(CASUALTY_LABELS["trapped"])
    serious_injuries = _count(CASUALTY_LABELS["serious_injuries"])
    injuries = _count(CASUALTY_LABELS["injuries"])
    evacuated = _count(CASUALTY_LABELS["evacuated"])
    direct_loss_cny = forms.DecimalField(
        label=_("直接经济损失（元）"),
        required=False,
        min_value=Decimal(0),
        max_value=limits.LOSS_CNY_MAX,
        decimal_places=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "step": 1, "placeholder": "—"}),
    )
    measures = _text(_("已采取的措施"), rows=3)
    signer = _text(_("签发人"), autocomplete="name")
    contact_name = _text(_("联系人"), autocomplete="name")
    contact_phone = _text(_("联系电话"), type="tel", autocomplete="tel", inputmode="tel")

    def casualties(self) -> dict[str, int] | None:
        """Only the figures the sender actually gave: an empty box is "unknown", not zero."""
        given = {name: self.cleaned_data[name] for name in CASUALTY_FIELDS if self.cleaned_data.get(name) is not None}
        return given or None

    def casualty_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in CASUALTY_FIELDS]


class IncidentNewForm(ReportFieldsMixin):
    """A unit reports a new incident and its first written report in one step."""

    unit = forms.ChoiceField(label=_("责任单位"), choices=())
    title = _text(_("事件标题"), max_length=None, required=True, placeholder=_("如：沙溪镇某小区居民楼火灾"))
    category = forms.ChoiceField(label=_("事件类别"), choices=(), initial=Category.ACCIDENT.value)
    subtype = forms.ChoiceField(label=_("事件类型"), required=False, choices=())
    grade = forms.ChoiceField(label=_("事件分级"), required=False, choices=())
    sensitive = forms.BooleanField(label=_("敏感"), required=False)
    may_escalate = forms.BooleanField(label=_("可能演化为较大以上"), required=False)
    hotspot = forms.BooleanField(label=_("舆论热点"), required=False)
    exercise = forms.BooleanField(label=_("演练"), required=False)
    occurred_at = LocalDateTimeField(label=_("事发时间"))
    learned_at = LocalDateTimeField(label=_("获悉时间"), required=False)
    area = forms.ChoiceField(label=_("事发地（镇、区、街道）"), required=False, choices=())
    address = _text(_("详细地址"), placeholder=_("如：沙溪镇白云路 88 号"))
    classification = forms.ChoiceField(
        label=_("密级"), choices=(), initial=Classification.INTERNAL.value, widget=forms.RadioSelect
    )

    field_order = [
        "unit",
        "title",
        "category",
        "subtype",
        "grade",
        "sensitive",
        "may_escalate",
        "hotspot",
        "exercise",
        "occurred_at",
        "learned_at",
        "area",
        "address",
        "classification",
        "summary",
        *CASUALTY_FIELDS,
        "direct_loss_cny",
        "measures",
        "signer",
        "contact_name",
        "contact_phone",
    ]

    def __init__(self, *args: Any, choose_unit: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Choices are built here, per request, so their labels are in the page's language.
        _choices(self, "category").choices = labels.member_choices(Category)
        _choices(self, "classification").choices = labels.member_choices(Classification)
        _choices(self, "subtype").choices = _subtype_choices()
        _choices(self, "grade").choices = _grade_choices()
        _choices(self, "area").choices = _area_choices()
        if choose_unit:
            _choices(self, "unit").choices = _unit_choices(blank=True)
        else:
            del self.fields["unit"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        subtype, category = data.get("subtype"), data.get("category")
        if subtype and category and subtype_category(subtype) != category:
            self.add_error("subtype", _("所选事件类型不属于该事件类别"))
        return data


class ReportForm(ReportFieldsMixin):
    """A follow-up (续报), final (终报) or written report; the duty room also logs phone reports here."""

    kind = forms.ChoiceField(label=_("报告类型"), widget=forms.RadioSelect, choices=())
    unit = forms.ChoiceField(label=_("报告单位"), choices=())
    channel = forms.ChoiceField(label=_("报送渠道"), required=False, choices=(), initial=Channel.PLATFORM.value)
    called_at = LocalDateTimeField(label=_("来电时间（电话报告）"), required=False)
    trend = _text(_("发展趋势"), rows=2)

    field_order = [
        "kind",
        "unit",
        "channel",
        "called_at",
        "summary",
        *CASUALTY_FIELDS,
        "direct_loss_cny",
        "measures",
        "trend",
        "signer",
        "contact_name",
        "contact_phone",
    ]

    def __init__(self, *args: Any, duty_room: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = [ReportKind.FOLLOWUP, ReportKind.FINAL, ReportKind.WRITTEN]
        if duty_room:
            kinds.append(ReportKind.PHONE)
            _choices(self, "unit").choices = _unit_choices()
            channels: tuple[Channel, ...] = tuple(Channel)
        else:
            del self.fields["unit"]
            del self.fields["called_at"]
            channels = UNIT_CHANNELS
        _choices(self, "kind").choices = labels.member_choices(kinds)
        _choices(self, "channel").choices = labels.member_choices(c for c in channels if c != Channel.PHONE)


class IncidentEditForm(forms.Form):
    """Duty-room correction of grade, flags and occurrence time (recomputes the clocks, audited)."""

    grade = forms.ChoiceField(label=_("事件分级"), required=False, choices=())
    sensitive = forms.BooleanField(label=_("敏感"), required=False)
    may_escalate = forms.BooleanField(label=_("可能演化为较大以上"), required=False)
    hotspot = forms.BooleanField(label=_("舆论热点"), required=False)
    occurred_at = LocalDateTimeField(label=_("事发时间（更正）"))
    reason = _text(_("修改原因（更正事发时间时必填）"), rows=2)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "grade").choices = _grade_choices()


class WaiveForm(forms.Form):
    reason = _text(_("豁免原因"), rows=2)

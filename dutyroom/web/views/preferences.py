"""Alert preferences pages: a person's own (``/me/alerts/``), a unit's defaults (``/units/<code>/alerts/``) and
the board's mute switch (``/me/alerts/sound/``).

Thin like every view: each calls the same service as ``PUT /api/v1/me/alert-preferences`` (and the unit
endpoint), so a bad mobile number is refused with the same words, and every change leaves the same audit row.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from dutyroom.alerts.models import AlertPreference
from dutyroom.alerts.preferences import (
    INAPP,
    MANDATORY_INAPP,
    TOPIC_CHANNELS,
    TOPICS,
    may_set_unit_defaults,
    preference_of,
    preference_set,
    topic_matrix,
    unit_preference_set,
)
from dutyroom.common import limits
from dutyroom.common.clock import now as clock_now
from dutyroom.common.errors import DomainError, Forbidden
from dutyroom.orgs.models import Unit
from dutyroom.orgs.selectors import unit_by_code
from dutyroom.web import labels
from dutyroom.web.labels import alert_topic_label
from dutyroom.web.views.common import actor, forbidden, form_service, message_of, not_found


class ContactForm(forms.Form):
    """Where e-mail and SMS go. Plain text boxes: the service checks them, so the page and the API agree."""

    email = forms.CharField(
        label=gettext_lazy("电子邮件"),
        required=False,
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    )
    phone = forms.CharField(
        label=gettext_lazy("手机号码"),
        required=False,
        max_length=40,
        help_text=gettext_lazy("短信提醒发到这个号码，如 13800000000"),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    sound = forms.BooleanField(
        label=gettext_lazy("看板提示音"),
        required=False,
        help_text=gettext_lazy("新的Ⅰ/Ⅱ级或敏感事件、时限超时时，看板发出提示音"),
    )


def _matrix_from_post(request: HttpRequest) -> dict[str, list[str]]:
    """``topic-<topic>`` checkboxes → channels per topic; in-app stays on where it may not be switched off
    (its box is disabled, so the browser does not send it)."""
    chosen = {}
    for topic in TOPICS:
        wanted = [c for c in request.POST.getlist(f"topic-{topic}") if c in TOPIC_CHANNELS]
        if topic in MANDATORY_INAPP and INAPP not in wanted:
            wanted.insert(0, INAPP)
        chosen[topic] = wanted
    return chosen


def _rows(matrix: dict[str, list[str]]) -> list[dict[str, Any]]:
    return [
        {
            "topic": topic,
            "label": alert_topic_label(topic),
            "channels": matrix[topic],
            "locked": topic in MANDATORY_INAPP,
        }
        for topic in TOPICS
    ]


def _units_for(user: Any) -> list[Unit]:
    return list(Unit.objects.filter(active=True).order_by("code")) if may_set_unit_defaults(user) else []


@require_http_methods(["GET", "POST"])
@login_required
def my_alerts(request: HttpRequest) -> HttpResponse:
    """A person sets their e-mail, mobile, the board's sound and which topics reach them over which channel."""
    user = actor(request)
    pref = preference_of(user)
    if request.method == "POST":
        form = ContactForm(request.POST)
        matrix = _matrix_from_post(request)
        if form.is_valid():
            data = form.cleaned_data
            saved = form_service(
                form,
                lambda: preference_set(
                    actor=user,
                    now=clock_now(),
                    email=data["email"].strip(),
                    phone=data["phone"].strip(),
                    sound=data["sound"],
                    topics=matrix,
                ),
            )
            if saved is not None:
                messages.success(request, _("提醒设置已保存"))
                return redirect("web:my-alerts")
        status = 400
    else:
        form = ContactForm(
            initial={"email": user.email, "phone": user.phone, "sound": pref.sound if pref is not None else True}
        )
        matrix = topic_matrix(pref)
        status = 200
    return render(
        request,
        "web/alert_prefs.html",
        {
            "form": form,
            "rows": _rows(matrix),
            "channels": TOPIC_CHANNELS,
            "from_unit": pref is not None and pref.unit_id is not None,
            "units": _units_for(user),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def unit_alerts(request: HttpRequest, code: str) -> HttpResponse:
    """The duty room or an admin sets a unit's default channels per topic for members without their own."""
    user = actor(request)
    unit = unit_by_code(code) if len(code) <= limits.UNIT_CODE else None
    if unit is None:
        return not_found(request)
    if not may_set_unit_defaults(user):
        return forbidden(
            request,
            Forbidden(
                "只有值班室或管理员可以设置单位默认提醒方式",
                "only the duty room or an admin may set a unit's alert defaults",
            ),
        )
    pref = AlertPreference.objects.filter(unit=unit).first()
    if request.method == "POST":
        matrix = _matrix_from_post(request)
        try:
            unit_preference_set(
                actor=user, unit=unit, now=clock_now(), topics=matrix, sound=request.POST.get("sound") == "on"
            )
            messages.success(request, _("%(unit)s 的默认提醒方式已保存") % {"unit": labels.unit_name(unit)})
            return redirect("web:unit-alerts", code=unit.code)
        except DomainError as error:
            messages.error(request, message_of(error))
    return render(
        request,
        "web/alert_prefs_unit.html",
        {
            "unit": unit,
            "pref": pref,
            "rows": _rows(topic_matrix(pref)),
            "channels": TOPIC_CHANNELS,
            "sound": pref.sound if pref is not None else True,
            "units": _units_for(user),
            "members": unit.users.filter(is_active=True).count(),
        },
    )


@require_POST
@login_required
def sound_set(request: HttpRequest) -> JsonResponse:
    """The board's mute switch (fetch with the CSRF header): stored, so the next browser starts muted too."""
    user = actor(request)
    pref = preference_set(actor=user, now=clock_now(), sound=request.POST.get("sound") == "on")
    return JsonResponse({"sound": pref.sound})

"""/leads/<id>/confirm-new/: confirming a lead as a new incident through a prefilled form.

The form is filled from the lead (category suggested from its words, responsible unit from its area, the
occurrence time it gives) and the duty officer corrects it before the incident is created: a guessed category
must never be written silently (a gas explosion is not a matter of public order because it came from the
internet).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dutyroom.common.clock import now as clock_now
from dutyroom.common.errors import DomainError, Forbidden, NotFound, ValidationFailed
from dutyroom.leads.access import access_lead
from dutyroom.leads.categorize import suggest_category
from dutyroom.leads.models import Lead
from dutyroom.leads.verify import VerifyInput, lead_verify, may_verify
from dutyroom.orgs.models import Unit
from dutyroom.orgs.selectors import reporting_units, unit_subtree_ids
from dutyroom.rules import Category, Grade
from dutyroom.web import labels
from dutyroom.web.forms import _subtype_choices
from dutyroom.web.views.common import actor, add_service_errors, forbidden, message_of, not_found


class ConfirmNewForm(forms.Form):
    category = forms.ChoiceField(label=gettext_lazy("事件类别"), choices=())
    subtype = forms.ChoiceField(label=gettext_lazy("细分类型"), required=False, choices=())
    grade = forms.ChoiceField(label=gettext_lazy("初步分级"), required=False, choices=())
    unit = forms.ChoiceField(label=gettext_lazy("责任单位"), choices=())
    reason = forms.CharField(label=gettext_lazy("核实情况"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, area: Unit | None = None, **kwargs: Any) -> None:
        """``area``: a town's duty room names a unit of its own area only (the service refuses any other)."""
        super().__init__(*args, **kwargs)
        units = reporting_units() if area is None else reporting_units().filter(pk__in=unit_subtree_ids(area))
        self._set("category", labels.member_choices(Category))
        self._set("subtype", _subtype_choices())
        self._set("grade", [("", _("未定级")), *labels.member_choices(Grade)])
        self._set("unit", [("", "—"), *((u.code, labels.unit_name(u)) for u in units.order_by("id"))])

    def _set(self, name: str, choices: list[Any]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices


def prefill(lead: Lead) -> dict[str, Any]:
    """What the lead already says: the category its words suggest, its area as the responsible unit."""
    suggested = suggest_category(f"{lead.title} {lead.text}") or lead.category_hint or Category.ACCIDENT.value
    return {"category": suggested, "unit": lead.area.code if lead.area else "", "reason": _("核实属实，按新事件处置。")}


@login_required
def lead_confirm_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = actor(request)
    try:
        lead = access_lead(user, pk)
    except NotFound:
        return not_found(request)
    if not may_verify(user, lead):
        return forbidden(request, Forbidden("只有核实单位或值班室可以核实该线索", "only verifiers may verify"))
    if not lead.is_open:
        messages.error(request, _("该线索已有核实结果"))
        return redirect("web:lead", pk=pk)
    form = ConfirmNewForm(request.POST or None, initial=prefill(lead), area=user.local_duty_room)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            lead = lead_verify(
                actor=user,
                lead=lead,
                now=clock_now(),
                data=VerifyInput(
                    outcome="confirmed",
                    reason=data["reason"],
                    category=data["category"],
                    subtype=data["subtype"],
                    grade=data["grade"] or None,
                    unit=data["unit"],
                ),
            )
        except ValidationFailed as error:
            add_service_errors(form, error)
        except DomainError as error:
            messages.error(request, message_of(error))
        else:
            messages.success(request, _("线索已确认，事件已建立，责任单位已收到通知。"))
            return redirect("web:incident", pk=lead.incident_id)
    return render(
        request, "web/leads/confirm_new.html", {"lead": lead, "form": form}, status=400 if form.errors else 200
    )

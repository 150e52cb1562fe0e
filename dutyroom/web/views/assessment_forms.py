"""Forms of the assessment for the duty room and the assessor: raise a finding (漏报/谎报/瞒报), record an adoption."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dutyroom.accounts.models import User
from dutyroom.assessment.access import CITY, assessed_units, user_level
from dutyroom.assessment.models import RAISED_KINDS, AdoptionLevel
from dutyroom.assessment.services import (
    AdoptionInput,
    FindingInput,
    adoption_record,
    finding_raise,
    lead_evidence_dismiss,
    may_raise,
)
from dutyroom.common.clock import now as clock_now
from dutyroom.common.errors import DomainError, Forbidden, NotFound, ValidationFailed
from dutyroom.incidents.access import access_incident
from dutyroom.leads.models import LeadEvidence
from dutyroom.orgs.models import Unit
from dutyroom.web import labels
from dutyroom.web.picker import IncidentPickerInput
from dutyroom.web.templatetags.dutyroom_web import local_dt
from dutyroom.web.views.common import actor, add_service_errors, forbidden, message_of


def _unit_choices(user: User | None) -> list[tuple[str, str]]:
    """The units the user's duty room assesses: the city's towns and departments, or a town's own units."""
    level = user_level(user) if user is not None else CITY
    return [(u.code, labels.unit_name(u)) for u in assessed_units(level)]


class FindingForm(forms.Form):
    incident = forms.IntegerField(label=gettext_lazy("事件编号"), min_value=1, widget=IncidentPickerInput())
    unit = forms.ChoiceField(label=gettext_lazy("被认定单位"))
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=[(k.value, k.label) for k in RAISED_KINDS])
    evidence = forms.CharField(label=gettext_lazy("证据"), widget=forms.Textarea(attrs={"rows": 5}))
    lead = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: object, user: User | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["unit"].choices = _unit_choices(user)  # type: ignore[attr-defined]
        self.fields["kind"].choices = [  # type: ignore[attr-defined]
            (k.value, labels.finding_kind_label(k.value, str(k.label))) for k in RAISED_KINDS
        ]


class AdoptionForm(forms.Form):
    incident = forms.IntegerField(label=gettext_lazy("事件编号"), min_value=1, widget=IncidentPickerInput())
    unit = forms.ChoiceField(label=gettext_lazy("信息报送单位"))
    by = forms.ChoiceField(label=gettext_lazy("采用层级"), choices=AdoptionLevel.choices)
    note = forms.CharField(label=gettext_lazy("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: object, user: User | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["unit"].choices = _unit_choices(user)  # type: ignore[attr-defined]
        self.fields["by"].choices = [  # type: ignore[attr-defined]
            (value, labels.adoption_level_label(value, str(zh))) for value, zh in AdoptionLevel.choices
        ]


def _finding_initial(request: HttpRequest) -> dict[str, object]:
    """Prefilled from a "lead came first" candidate (the findings page links here with its facts)."""
    initial: dict[str, object] = {k: request.GET.get(k) for k in ("incident", "unit", "kind", "lead")}
    lead, pk = request.GET.get("lead", ""), request.GET.get("evidence", "")
    found = LeadEvidence.objects.select_related("lead")
    if lead.isdigit():
        evidence = found.filter(lead_id=int(lead), unit__code=request.GET.get("unit", "")).first()
        evidence = evidence or found.filter(lead_id=int(lead)).order_by("id").first()
    else:
        evidence = found.filter(pk=int(pk), lead__isnull=True).first() if pk.isdigit() else None
    if evidence is None:
        return initial
    reported = (
        _("单位首报于 %(at)s") % {"at": local_dt(evidence.first_report_at)}
        if evidence.first_report_at
        else _("单位当时尚未报告")
    )
    room = Unit.objects.filter(code=evidence.room).first() if evidence.room else None
    who = _("%(town)s值班室") % {"town": labels.unit_name(room)} if room is not None else _("市政府值班室")
    if evidence.lead is not None:
        initial["evidence"] = _("%(who)s于 %(at)s 经线索 #%(lead)s（%(title)s）获悉此事件；%(reported)s。") % {
            "who": who,
            "at": local_dt(evidence.lead_received_at),
            "lead": evidence.lead_id,
            "title": evidence.lead.title,
            "reported": reported,
        }
    else:
        initial["evidence"] = _("%(who)s于 %(at)s 先于该单位向上级报告了此事件；%(reported)s。") % {
            "who": who,
            "at": local_dt(evidence.lead_received_at),
            "reported": reported,
        }
    return initial


@login_required
def evidence_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "POST" or not _may_act(request):
        return forbidden(request, Forbidden(_("只有值班室或考评人员可以处理")))
    evidence = LeadEvidence.objects.select_related("unit").filter(pk=pk).first()
    if evidence is None:
        return redirect("web:findings")
    try:
        lead_evidence_dismiss(
            actor=actor(request), evidence=evidence, reason=request.POST.get("reason", ""), now=clock_now()
        )
        messages.success(request, _("候选已驳回"))
    except DomainError as error:
        messages.error(request, message_of(error))
    return redirect("web:findings")


def _may_act(request: HttpRequest) -> bool:
    return may_raise(actor(request))


@login_required
def finding_new(request: HttpRequest) -> HttpResponse:
    if not _may_act(request):
        return forbidden(request, Forbidden(_("只有值班室或考评人员可以认定")))
    form = FindingForm(request.POST or None, initial=_finding_initial(request), user=actor(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            incident = access_incident(actor(request), data["incident"])
            finding = finding_raise(
                actor=actor(request),
                incident=incident,
                now=clock_now(),
                data=FindingInput(
                    unit=data["unit"], kind=data["kind"], evidence=data["evidence"], lead=data.get("lead")
                ),
            )
            messages.success(request, _("认定已提出，已通知被认定单位"))
            return redirect("web:finding", pk=finding.pk)
        except NotFound:
            form.add_error("incident", _("事件不存在或无权查看"))
        except ValidationFailed as error:
            add_service_errors(form, error)
        except Forbidden as error:
            return forbidden(request, error)
        except DomainError as error:  # a conflict (a drill): shown with the form
            form.add_error(None, message_of(error))
    return render(request, "web/assessment_form.html", {"form": form, "title": _("提出认定"), "form_id": "finding-new"})


@login_required
def adoption_new(request: HttpRequest) -> HttpResponse:
    if not _may_act(request):
        return forbidden(request, Forbidden(_("只有值班室或考评人员可以登记采用")))
    form = AdoptionForm(request.POST or None, initial={"incident": request.GET.get("incident")}, user=actor(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            incident = access_incident(actor(request), data["incident"])
            adoption_record(
                actor=actor(request),
                incident=incident,
                now=clock_now(),
                data=AdoptionInput(unit=data["unit"], by=data["by"], note=data["note"]),
            )
            messages.success(request, _("采用已登记"))
            return redirect("web:assessment")
        except NotFound:
            form.add_error("incident", _("事件不存在或无权查看"))
        except ValidationFailed as error:
            add_service_errors(form, error)
        except Forbidden as error:
            return forbidden(request, error)
        except DomainError as error:  # a conflict (already recorded, a drill): shown with the form
            form.add_error(None, message_of(error))
    return render(
        request, "web/assessment_form.html", {"form": form, "title": _("登记信息采用"), "form_id": "adoption-new"}
    )

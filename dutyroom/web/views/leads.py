"""/leads/: the grid worker's phone form, the verifier's list and page, photos behind access checks,
and the duty room's watch list. Thin: forms in, services do the work, ``access_lead`` guards every read."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dutyroom.accounts.models import User
from dutyroom.common.clock import now as clock_now
from dutyroom.common.errors import DomainError, Forbidden, NotFound, TooMany, ValidationFailed
from dutyroom.leads.access import access_lead, access_lead_duplicate, visible_leads, watch_terms_readable
from dutyroom.leads.models import LeadPhoto, LeadState, LeadVerifier, WatchKind
from dutyroom.leads.photos import MAX_PHOTO_BYTES, Upload, photo_path
from dutyroom.leads.services import LeadInput, LeadOrigin, lead_submit
from dutyroom.leads.verify import VerifyInput, duplicate_decide, lead_verify, may_verify
from dutyroom.leads.views import lead_view
from dutyroom.leads.watch_terms import WatchTermInput, watch_term_create, watch_term_delete
from dutyroom.orgs.selectors import reporting_units
from dutyroom.web import labels
from dutyroom.web.forms import LocalDateTimeField
from dutyroom.web.lead_labels import labelled
from dutyroom.web.picker import IncidentPickerInput
from dutyroom.web.views.common import actor, add_service_errors, forbidden, message_of, not_found
from dutyroom.web.views.create import home_town

CHANNELS = [
    ("grid", gettext_lazy("网格员")),
    ("informant", gettext_lazy("信息员")),
    ("public", gettext_lazy("群众")),
    ("hotline", gettext_lazy("热线")),
    ("media", gettext_lazy("新闻媒体")),
    ("internet", gettext_lazy("互联网")),
    ("new_media", gettext_lazy("新媒体")),
]


class LeadForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("发生了什么（标题）"), max_length=200)
    text = forms.CharField(label=gettext_lazy("详细情况"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    area = forms.ChoiceField(label=gettext_lazy("镇/区"), required=False, choices=())
    address = forms.CharField(label=gettext_lazy("地址"), required=False, max_length=300)
    occurred_at = LocalDateTimeField(label=gettext_lazy("发生时间"), required=False)
    channel = forms.ChoiceField(label=gettext_lazy("信息来源"), choices=CHANNELS, initial="grid")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        towns = [
            (u.code, labels.unit_name(u)) for u in reporting_units().filter(kind__in=["town", "zone", "subdistrict"])
        ]
        area = self.fields["area"]
        assert isinstance(area, forms.ChoiceField)
        area.choices = [("", "—"), *towns]


@login_required
def lead_new(request: HttpRequest) -> HttpResponse:
    """One-handed on a phone: big fields, the send button at the thumb, a draft kept on the device."""
    user = actor(request)
    form = LeadForm(
        request.POST or None,
        initial={"channel": "grid" if user.role == "informant" else "public", "area": home_town(user)},
    )
    too_many: TooMany | None = None
    if request.method == "POST" and form.is_valid():
        uploads = [Upload(f.name or "photo", f.read()) for f in request.FILES.getlist("photos")[:10]]
        data = LeadInput(
            channel=form.cleaned_data["channel"],
            title=form.cleaned_data["title"],
            text=form.cleaned_data["text"],
            occurred_at=form.cleaned_data["occurred_at"],
            area=form.cleaned_data["area"] or None,
            address=form.cleaned_data["address"],
        )
        try:
            lead = lead_submit(
                data=data,
                origin=LeadOrigin(
                    source=f"user:{user.username}",
                    raw_type="web-form",
                    raw=repr(dict(request.POST.lists())),
                    sender=user,
                    photos=uploads,
                ),
                now=clock_now(),
            )
        except ValidationFailed as error:
            add_service_errors(form, error)
        except TooMany as error:  # the form comes back as typed, with the limit in words above it
            too_many = error
        else:
            messages.success(request, _("线索已报送，编号 %(id)s。") % {"id": lead.pk})
            return redirect("web:lead", pk=lead.pk)
    response = render(
        request,
        "web/leads/new.html",
        {
            "form": form,
            "mine": my_leads(user),
            "max_photo_bytes": MAX_PHOTO_BYTES,
            "limit_message": message_of(too_many) if too_many else "",
        },
        status=429 if too_many else 400 if form.errors else 200,
    )
    if too_many is not None:
        response["Retry-After"] = str(too_many.retry_after)
    return response


# The sender's own leads listed under the form: enough for a day's work on a phone.
MY_LEADS = 20


def my_leads(user: User) -> list[dict[str, Any]]:
    """The leads this person sent, newest first, with their state in words (their home page's second half)."""
    now = clock_now()
    rows = (
        visible_leads(user)
        .filter(sender=user)
        .select_related("sender", "feed")
        .prefetch_related("watch_hits", "duplicates")
        .order_by("-received_at")[:MY_LEADS]
    )
    return [labelled(lead_view(lead, now), lead) for lead in rows]


@login_required
def lead_list(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    state = request.GET.get("state", "open")
    qs = visible_leads(user).select_related("sender", "feed").prefetch_related("watch_hits", "duplicates")
    if state == "open":
        qs = qs.filter(state__in=[LeadState.NEW, LeadState.VERIFYING])
    elif state in LeadState.values:
        qs = qs.filter(state=state)
    # a verifier unit's staff land on their queue: the open leads their unit must verify
    queue = bool(request.GET.get("mine")) or (
        "mine" not in request.GET and "state" not in request.GET and not user.is_duty_room and _verifies(user)
    )
    if queue and user.unit_id:
        qs = qs.filter(verifiers__unit_id=user.unit_id)
    now = clock_now()
    rows = []
    for lead in qs[:200]:
        row = labelled(lead_view(lead, now), lead)
        row["may_verify"] = lead.is_open and may_verify(user, lead)
        rows.append(row)
    return render(
        request, "web/leads/list.html", {"leads": rows, "state": state, "queue": queue, "states": LeadState.choices}
    )


def _verifies(user: User) -> bool:
    """True when the user's unit is named as a verifier of any lead (the propaganda department, the police)."""
    return user.unit_id is not None and LeadVerifier.objects.filter(unit_id=user.unit_id).exists()


class VerifyForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("核实结果"),
        choices=[
            ("confirmed", gettext_lazy("属实")),
            ("false", gettext_lazy("不实")),
            ("duplicate", gettext_lazy("重复")),
            ("not_incident", gettext_lazy("非突发事件")),
        ],
    )
    reason = forms.CharField(label=gettext_lazy("理由"), widget=forms.Textarea(attrs={"rows": 2}))
    incident = forms.IntegerField(
        label=gettext_lazy("并入事件编号（可选）"), required=False, widget=IncidentPickerInput()
    )
    duplicate_of = forms.IntegerField(label=gettext_lazy("重复的线索编号（可选）"), required=False)


@login_required
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = actor(request)
    try:
        lead = access_lead(user, pk)
    except NotFound:
        return not_found(request)
    form = VerifyForm(request.POST or None)
    if request.method == "POST":
        if not may_verify(user, lead):
            return forbidden(request, Forbidden("只有核实单位或值班室可以核实该线索", "only verifiers may verify"))
        if form.is_valid():
            try:
                lead_verify(actor=user, lead=lead, now=clock_now(), data=VerifyInput(**form.cleaned_data))
            except ValidationFailed as error:
                add_service_errors(form, error)
            except DomainError as error:
                messages.error(request, message_of(error))
            else:
                messages.success(request, _("核实结果已记录。"))
                return redirect("web:lead", pk=pk)
    view = labelled(lead_view(lead, clock_now(), detail=True), lead)
    return render(
        request,
        "web/leads/detail.html",
        {
            "lead": view,
            "form": form,
            "may_verify": may_verify(user, lead) and lead.is_open,
            "may_decide": user.is_duty_room,
        },
    )


@require_POST
@login_required
def lead_duplicate_decision(request: HttpRequest, pk: int) -> HttpResponse:
    """The duty officer confirms (the lead closes as a duplicate) or rejects a proposed duplicate."""
    user = actor(request)
    try:
        proposal = access_lead_duplicate(user, pk)
    except NotFound:
        return not_found(request)
    try:
        duplicate_decide(
            actor=user, duplicate=proposal, confirm=request.POST.get("duplicate") == "yes", now=clock_now()
        )
    except DomainError as error:
        messages.error(request, message_of(error))
    else:
        messages.success(request, _("重复提示已处理。"))
    return redirect("web:lead", pk=proposal.lead_id)


@login_required
def lead_photo(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A photo, only for someone who may see its lead; never from a static path."""
    photo = LeadPhoto.objects.filter(pk=pk).first()
    try:
        if photo is None:
            raise NotFound("照片")
        access_lead(actor(request), photo.lead_id)
        path = photo_path(photo.path)
    except (NotFound, FileNotFoundError):
        return not_found(request)
    response = FileResponse(path.open("rb"), content_type=photo.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


class WatchTermForm(forms.Form):
    term = forms.CharField(label=gettext_lazy("关注词"), max_length=100)
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=WatchKind.choices)
    starts_at = LocalDateTimeField(label=gettext_lazy("敏感期开始（可选）"), required=False)
    ends_at = LocalDateTimeField(label=gettext_lazy("敏感期结束（可选）"), required=False)


@login_required
def watch_terms(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    try:
        terms = watch_terms_readable(user)
    except Forbidden as error:
        return forbidden(request, error)
    form = WatchTermForm(request.POST or None)
    if request.method == "POST":
        try:
            if "delete" in request.POST:
                term = terms.filter(pk=request.POST.get("delete", "")).first()
                if term is not None:
                    watch_term_delete(actor=user, term=term, now=clock_now())
                return redirect("web:watch-terms")
            if form.is_valid():
                watch_term_create(actor=user, data=WatchTermInput(**form.cleaned_data), now=clock_now())
                return redirect("web:watch-terms")
        except ValidationFailed as error:
            add_service_errors(form, error)
        except DomainError as error:
            messages.error(request, message_of(error))
    return render(request, "web/leads/watch.html", {"terms": list(terms), "form": form, "may_edit": user.is_duty_room})

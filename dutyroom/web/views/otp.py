"""The second-factor page: enrol (key and QR code, once) or enter the current TOTP code."""

from __future__ import annotations

import io
from base64 import b32encode

import segno
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp import login as otp_login

from dutyroom.accounts.otp import otp_check, otp_device
from dutyroom.common.clock import now as clock_now
from dutyroom.web.views.common import actor


def _next(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or "/"
    return wanted if url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}) else "/"


@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    device = otp_device(user)
    error = ""
    if request.method == "POST":
        checked = otp_check(user=user, token=request.POST.get("token", ""), now=clock_now())
        if checked is not None:
            otp_login(request, checked)
            return HttpResponseRedirect(_next(request))
        error = _("验证码不正确或已过期，请输入认证器上当前的 6 位数字")
    context = {
        "enrolling": not device.confirmed,
        "next": _next(request),
        "error": error,
        "key": b32encode(device.bin_key).decode().rstrip("=") if not device.confirmed else "",
    }
    return render(request, "web/otp.html", context, status=400 if error else 200)


@login_required
def otp_qr(request: HttpRequest) -> HttpResponse:
    """The pending device's otpauth URI as an SVG QR code (only before enrolment is confirmed)."""
    device = otp_device(actor(request))
    if device.confirmed:
        return HttpResponse(status=404)
    out = io.BytesIO()
    segno.make(device.config_url).save(out, kind="svg", scale=5)
    return HttpResponse(out.getvalue(), content_type="image/svg+xml")

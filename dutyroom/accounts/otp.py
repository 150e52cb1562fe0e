"""TOTP second factor (django-otp) for the roles that settings.DUTYROOM_OTP_ROLES names.

Production default: the duty room and administrators (they can confirm, waive, re-grade and verify the audit
chain). ``make run`` (the demo city) turns it off so a first look logs straight in, and says so. A person of a
required role who has no device enrols on first login (key and QR code shown once, confirmed by a first code);
an administrator resets a lost device with ``dutyroom user otp-reset NAME``. API tokens are not affected:
they are issued by an administrator and revocable (dutyroom.accounts.tokens).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django_otp.plugins.otp_totp.models import TOTPDevice

from dutyroom.accounts.models import User
from dutyroom.audit.services import audit_record
from dutyroom.common.errors import NotFound

VERIFY_PATH = "/otp/"
# what a signed-in person who still owes a code may reach: the code page itself, logging out, assets, language
OPEN_PREFIXES = (VERIFY_PATH, "/logout/", "/login/", "/static/", "/i18n/", "/api/")


def otp_required(user: User) -> bool:
    return user.role in settings.DUTYROOM_OTP_ROLES


def otp_device(user: User) -> TOTPDevice:
    """The user's confirmed device, else their pending (unconfirmed) one, created on first need."""
    device = TOTPDevice.objects.filter(user=user).order_by("-confirmed", "id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="DutyRoom", confirmed=False)
    return device


def otp_check(*, user: User, token: str, now: datetime) -> TOTPDevice | None:
    """The device that accepts ``token`` (confirming a pending one, audited), or None. Throttled by django-otp."""
    device = otp_device(user)
    if not device.verify_token(token.strip()):
        return None
    if not device.confirmed:
        with transaction.atomic():
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            audit_record(
                actor=user,
                action="user.otp_enrol",
                object_type="user",
                object_id=user.pk,
                at=now,
                unit_code=user.unit.code if user.unit else "",
                data={"username": user.username},
            )
    return device


def otp_reset(*, username: str, now: datetime, actor: User | None = None) -> int:
    """Remove a user's devices (a lost phone): they enrol again at their next login. Returns devices removed."""
    user = User.objects.filter(username=username).first()
    if user is None:
        raise NotFound("用户")
    with transaction.atomic():
        removed, _ = TOTPDevice.objects.filter(user=user).delete()
        audit_record(
            actor=actor,
            action="user.otp_reset",
            object_type="user",
            object_id=user.pk,
            at=now,
            unit_code=user.unit.code if user.unit else "",
            data={"username": username, "removed": removed},
        )
    return removed


class SecondFactorMiddleware:
    """After the password, a person of a required role reaches nothing but the code page until verified."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and isinstance(user, User)
            and otp_required(user)
            and not user.is_verified()  # type: ignore[attr-defined]
            and not request.path.startswith(OPEN_PREFIXES)
        ):
            return HttpResponseRedirect(f"{VERIFY_PATH}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

"""TOTP second factor: required for the duty room and admins by the production default, enrolled at first login,
never asked of roles outside the setting; a lost device is reset by an administrator."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from dutyroom.demo import demo_password

pytestmark = pytest.mark.usefixtures("demo_city")
PRODUCTION = frozenset({"duty_officer", "duty_leader", "admin"})


def code_for(username: str) -> str:
    device = TOTPDevice.objects.get(user__username=username)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_the_production_default_asks_the_duty_room_and_admins_for_a_code() -> None:
    import os
    import subprocess
    import sys

    environ = {k: v for k, v in os.environ.items() if k != "DUTYROOM_OTP_ROLES"}
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE',"
            " 'config.settings'); django.setup(); from django.conf import settings; "
            "print(sorted(settings.DUTYROOM_OTP_ROLES))",
        ],
        env=environ,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert shown.stdout.strip() == str(sorted(PRODUCTION))


def test_a_duty_officer_enrols_at_first_login_and_gives_a_code_every_login_after(settings: Any) -> None:
    settings.DUTYROOM_OTP_ROLES = PRODUCTION
    client = Client()
    signed = client.post("/login/", {"username": "duty-officer", "password": demo_password(), "next": "/"})
    assert signed.status_code == 302
    assert client.get("/").url.startswith("/otp/")  # nothing but the code page until verified
    assert client.get("/verification-requests/").status_code == 302
    page = client.get("/otp/?next=/").content.decode()
    assert re.search(r'<code class="otp-key">[A-Z2-7]{32}</code>', page)
    assert client.get("/otp/qr.svg")["Content-Type"] == "image/svg+xml"
    assert client.post("/otp/", {"token": "000000", "next": "/"}).status_code == 400
    # django-otp throttles after a wrong code (1 s, doubling): even the right code waits it out
    assert client.post("/otp/", {"token": code_for("duty-officer"), "next": "/"}).status_code == 400
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=2)):  # the throttle's second has passed
        verified = client.post("/otp/", {"token": code_for("duty-officer"), "next": "/"})
    assert verified.status_code == 302 and verified.url == "/"
    assert client.get("/").status_code == 200
    again = Client()
    again.post("/login/", {"username": "duty-officer", "password": demo_password()})
    second = again.get("/otp/").content.decode()
    assert "otp-key" not in second and again.get("/otp/qr.svg").status_code == 404  # the key is shown once


def test_roles_outside_the_setting_log_straight_in(settings: Any) -> None:
    settings.DUTYROOM_OTP_ROLES = PRODUCTION
    client = Client()
    client.post("/login/", {"username": "shaxi-reporter", "password": demo_password()})
    assert client.get("/").status_code == 200


def test_an_admin_resets_a_lost_device_and_the_person_enrols_again(settings: Any) -> None:
    from dutyroom.accounts.otp import otp_reset

    settings.DUTYROOM_OTP_ROLES = PRODUCTION
    client = Client()
    client.post("/login/", {"username": "admin", "password": demo_password()})
    client.get("/otp/")
    client.post("/otp/", {"token": code_for("admin")})
    assert otp_reset(username="admin", now=datetime.now(UTC)) == 1
    fresh = Client()
    fresh.post("/login/", {"username": "admin", "password": demo_password()})
    assert "otp-key" in fresh.get("/otp/").content.decode()


def test_the_api_is_not_behind_the_second_factor(settings: Any, api: Any) -> None:
    settings.DUTYROOM_OTP_ROLES = PRODUCTION
    assert api("duty-officer").get("/me").status_code == 200

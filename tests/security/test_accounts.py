"""Accounts: login lock-out with a clear message and an admin unlock, password reset, API tokens listed and
revoked with their last use, sessions that end after a shift of inactivity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from dutyroom.accounts.models import User

pytestmark = pytest.mark.usefixtures("demo_city")


def login(client: Client, username: str, password: str) -> Any:
    return client.post("/login/", {"username": username, "password": password})


def test_five_wrong_passwords_lock_the_account_with_a_clear_message_until_an_admin_unlocks_it(settings: Any) -> None:
    from dutyroom.accounts.services import user_unlock
    from dutyroom.demo import demo_password

    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "duty-officer", "wrong-password").status_code == 200  # the form again, with an error
    locked = login(client, "duty-officer", "wrong-password")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "账户已暂时锁定" in page and "dutyroom user unlock duty-officer" in page
    assert login(client, "duty-officer", demo_password()).status_code == 429  # even the right password now
    assert Client().get("/").status_code == 302
    assert login(Client(), "shaxi-reporter", demo_password()).status_code == 302  # others are not affected
    assert user_unlock(username="duty-officer", now=datetime.now(UTC)) == 1  # its one attempts record
    assert login(client, "duty-officer", demo_password()).status_code == 302


def test_an_admin_password_reset_ends_the_users_open_sessions() -> None:
    from dutyroom.accounts.services import user_set_password

    client = Client()
    client.force_login(User.objects.get(username="shaxi-reporter"))
    assert client.get("/").status_code == 200
    user_set_password(username="shaxi-reporter", password="a-new-password-1", now=datetime.now(UTC))
    assert client.get("/").status_code == 302
    assert login(Client(), "shaxi-reporter", "a-new-password-1").status_code == 302


def test_a_session_ends_after_the_configured_idle_time_and_each_request_restarts_it(settings: Any) -> None:
    from django.contrib.sessions.models import Session

    assert settings.SESSION_COOKIE_AGE == 12 * 3600 and settings.SESSION_SAVE_EVERY_REQUEST
    client = Client()
    client.force_login(User.objects.get(username="duty-officer"))
    session = Session.objects.get()
    # eleven hours without a request: still signed in, and the request pushes the end 12 h past now
    Session.objects.update(expire_date=datetime.now(UTC) + timedelta(hours=1))
    assert client.get("/").status_code == 200
    assert Session.objects.get(pk=session.pk).expire_date > datetime.now(UTC) + timedelta(hours=11, minutes=59)
    # twelve hours and one minute without a request: the session is over
    Session.objects.update(expire_date=datetime.now(UTC) - timedelta(minutes=1))
    assert client.get("/").status_code == 302


def test_tokens_are_listed_with_last_use_and_a_revoked_token_stops_working(api: Any) -> None:
    from dutyroom.accounts.tokens import token_list, token_revoke

    caller = api("duty-officer")
    (row,) = token_list(username="duty-officer")
    assert row.last_used_at is None and caller.token.startswith(row.prefix)
    assert caller.get("/me").status_code == 200
    (row,) = token_list(username="duty-officer")
    assert row.last_used_at is not None
    token_revoke(token_id=row.pk, now=datetime.now(UTC) + timedelta(seconds=1))
    assert caller.get("/me").status_code == 401
    assert token_list(username="duty-officer")[0].revoked_at is not None

"""A person changes their own password on a page: the current one is asked for, the policy holds, the other
sessions end and the one in use stays; the feeds list answers times at +08:00 like the rest of the API."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client

from dutyroom.accounts.models import User
from dutyroom.demo import demo_password

pytestmark = pytest.mark.django_db


def signed_in(username: str) -> Client:
    client = Client()
    assert client.post("/login/", {"username": username, "password": demo_password()}).status_code == 302
    return client


def test_changing_ones_password_ends_the_other_sessions_and_keeps_this_one(demo_city):
    here, elsewhere = signed_in("shaxi-reporter"), signed_in("shaxi-reporter")
    assert 'href="/me/password/"' in here.get("/").content.decode()  # the person's own name leads there
    page = here.get("/me/password/")
    assert page.status_code == 200 and "修改密码" in page.content.decode()
    changed = here.post(
        "/me/password/", {"current": demo_password(), "new": "新的口令-2026", "again": "新的口令-2026"}, follow=True
    )
    assert changed.status_code == 200 and "密码已修改" in changed.content.decode()
    assert here.get("/").status_code == 200  # still signed in
    assert elsewhere.get("/").status_code == 302  # the other device is signed out
    assert User.objects.get(username="shaxi-reporter").check_password("新的口令-2026")
    from dutyroom.audit.models import AuditEntry

    assert AuditEntry.objects.filter(action="user.password", actor__username="shaxi-reporter").exists()


@pytest.mark.parametrize(
    ("current", "new", "again", "field", "words"),
    [
        ("wrong-password", "新的口令-2026", "新的口令-2026", "current", "当前密码不正确"),
        (None, "short", "short", "new", "至少 8 位"),
        (None, None, None, "new", "不能与当前密码相同"),
        (None, "新的口令-2026", "新的口令-2027", "again", "不一致"),
    ],
)
def test_a_refused_change_says_why_beside_the_box_and_changes_nothing(demo_city, current, new, again, field, words):
    here = signed_in("shaxi-reporter")
    password = demo_password()
    refused = here.post(
        "/me/password/", {"current": current or password, "new": new or password, "again": again or password}
    )
    assert refused.status_code == 400
    assert words in refused.content.decode()
    assert User.objects.get(username="shaxi-reporter").check_password(password)


def test_the_password_page_speaks_english_on_request(demo_city):
    here = signed_in("shaxi-reporter")
    here.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Current password" in here.get("/me/password/").content.decode()


def test_the_feeds_list_answers_times_at_plus_eight(api, settings):
    from dutyroom.leads.feeds import feed_source_create, feeds_job

    settings.DUTYROOM_FEEDS_ALLOW = ""
    officer = User.objects.get(username="duty-officer")
    now = datetime.now(UTC)
    feed_source_create(
        actor=officer, name="本机", url="http://127.0.0.1:9/rss", channel="internet", interval_seconds=60, now=now
    )
    feeds_job(now)  # refused (loopback): a poll time to show, and nothing fetched
    listed = api("duty-officer").get("/feeds").json_body
    assert listed[0]["last_polled_at"].endswith("+08:00") and listed[0]["last_ok_at"] is None

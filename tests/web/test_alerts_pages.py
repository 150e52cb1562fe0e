"""Alert pages: the bell and inbox, chasing from the board, the roster and its red banner, the live check."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import signing

from dutyroom.accounts.models import User
from dutyroom.alerts.models import Chase, Notification
from dutyroom.common.clock import now as clock_now
from dutyroom.duty.models import Shift
from dutyroom.duty.services import ShiftInput, shifts_save
from dutyroom.obligations.models import Obligation

pytestmark = pytest.mark.django_db


def roster_now_covered() -> None:
    now = clock_now()
    shifts_save(
        actor=User.objects.get(username="admin"),
        now=now,
        shifts=[ShiftInput(now - timedelta(hours=1), now + timedelta(hours=23), "duty-officer", "duty-leader")],
    )


def test_the_board_says_in_red_when_no_shift_covers_now(login):
    page = login("duty-officer").get("/").content.decode()
    assert 'id="roster-gap"' in page
    roster_now_covered()
    assert 'id="roster-gap"' not in login("duty-officer").get("/").content.decode()


def test_chasing_from_the_board_reaches_the_unit_and_shows_on_its_pages(login, make_incident):
    roster_now_covered()
    incident = make_incident(minutes_ago=50)
    clock = Obligation.objects.get(incident=incident, kind="first_report")
    officer = login("duty-officer")
    assert f'action="/obligations/{clock.pk}/chase/"' in officer.get("/").content.decode()
    response = officer.post(f"/obligations/{clock.pk}/chase/", {"next": "/"})
    assert response.status_code == 302 and Chase.objects.filter(obligation=clock).count() == 1
    reporter = login("shaxi-reporter")
    board = reporter.get("/").content.decode()
    assert "已催报 1 次" in board and "/chase/" not in board, "the unit sees the chase, not the button"
    assert 'data-count="1"' in board, "the bell counts the unread chase"
    inbox = reporter.get("/notifications/").content.decode()
    assert "催报" in inbox and incident.title in inbox
    assert 'id="chases"' in inbox


def test_the_board_chase_carries_the_officers_phone_note(login, make_incident):
    roster_now_covered()
    incident = make_incident(minutes_ago=50)
    clock = Obligation.objects.get(incident=incident, kind="first_report")
    officer = login("duty-officer")
    assert 'name="note"' in officer.get("/").content.decode(), "the chase form has a field for the phone note"
    officer.post(f"/obligations/{clock.pk}/chase/", {"next": "/", "note": "10:20 电话催报，对方称正在核实"})
    assert Chase.objects.get(obligation=clock).note == "10:20 电话催报，对方称正在核实"


def test_a_unit_cannot_chase(login, make_incident):
    incident = make_incident(minutes_ago=50)
    clock = Obligation.objects.get(incident=incident, kind="first_report")
    login("shaxi-reporter").post(f"/obligations/{clock.pk}/chase/")
    assert not Chase.objects.exists()


def test_marking_a_notification_read_clears_the_bell(login, make_incident):
    incident = make_incident(minutes_ago=50)
    clock = Obligation.objects.get(incident=incident, kind="first_report")
    login("duty-officer").post(f"/obligations/{clock.pk}/chase/")
    note = Notification.objects.get(user__username="shaxi-reporter")
    reporter = login("shaxi-reporter")
    opened = reporter.post(f"/notifications/{note.pk}/read/", {"open": "1"})
    assert opened.status_code == 302 and opened["Location"] == f"/incidents/{incident.pk}/"
    assert 'data-count="0"' in reporter.get("/notifications/").content.decode()


def test_the_week_form_rosters_seven_days(login):
    page = login("duty-leader").get("/roster/?week=2026-11-30")
    assert page.status_code == 200
    form = {"week": "2026-11-30"}
    for i in range(7):
        form.update({f"officer-{i}": "duty-officer", f"leader-{i}": "duty-leader", f"city-{i}": ""})
    saved = login("duty-leader").post("/roster/?week=2026-11-30", form)
    assert saved.status_code == 302 and Shift.objects.count() == 7


def test_a_roster_file_uploads_from_the_page(login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = "开始,结束,值班员,带班领导\n2026-12-01 08:30,2026-12-02 08:30,duty-officer,duty-leader\n"
    upload = SimpleUploadedFile("roster.csv", text.encode(), content_type="text/csv")
    response = login("duty-officer").post("/roster/", {"file": upload})
    assert response.status_code == 302 and Shift.objects.count() == 1


def test_the_live_check_answers_304_until_something_changes(login, make_incident):
    client = login("duty-officer")
    from dutyroom.web.views.live import live_token

    token = live_token(User.objects.get(username="duty-officer"))
    first = client.get(f"/board/version?t={token}")
    assert first.status_code == 200 and first["ETag"]
    assert client.get(f"/board/version?t={token}", headers={"If-None-Match": first["ETag"]}).status_code == 304
    make_incident(minutes_ago=1)
    from dutyroom.web.views import live

    live._heads.at = 0.0  # the 100 ms shared look at the heads, expired for the test
    changed = client.get(f"/board/version?t={token}", headers={"If-None-Match": first["ETag"]})
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]


def test_failed_deliveries_are_listed_for_the_duty_room_and_retried(login, make_incident):
    from dutyroom.alerts.models import Delivery
    from dutyroom.alerts.services import alert_emit
    from dutyroom.rules import AlertTopic

    incident = make_incident(minutes_ago=1)
    User.objects.filter(username="shaxi-reporter").update(email="r@example.test")
    event = alert_emit(
        key="t",
        topic=AlertTopic.CHASE,
        now=clock_now(),
        incident=incident,
        unit=incident.unit,
        recipients=[User.objects.get(username="shaxi-reporter")],
    )
    Delivery.objects.filter(event=event).update(state="failed", attempts=8, last_error="http 503")
    officer = login("duty-officer")
    assert "http 503" in officer.get("/deliveries/").content.decode()
    delivery = Delivery.objects.get(event=event)
    officer.post("/deliveries/", {"delivery": delivery.pk})
    delivery.refresh_from_db()
    assert delivery.state == "pending"


def test_the_board_fragment_is_served_on_the_pages_token_and_shows_a_new_incident(login, make_incident):
    from dutyroom.web.views import live
    from dutyroom.web.views.live import live_token

    officer = login("duty-officer")
    person = User.objects.get(username="duty-officer")
    # the page's own token: it is signed with the time, so one made here a second later would read differently
    found = re.search(r"\?t=([\w:-]+)", officer.get("/").content.decode())
    assert found is not None
    token = found.group(1)
    assert signing.loads(token, salt=live.TOKEN_SALT) == signing.loads(live_token(person), salt=live.TOKEN_SALT)
    officer.get(f"/board/fragment/?t={token}")  # rendered once with the session, then cached
    from django.test import Client

    anonymous = Client()
    assert anonymous.get(f"/board/fragment/?t={token}").status_code == 200, "a cached fragment needs no session"
    assert anonymous.get("/board/fragment/?t=forged").status_code == 302
    incident = make_incident(minutes_ago=1, title="新的测试事件")
    live._heads.at = 0.0
    assert "新的测试事件" in officer.get(f"/board/fragment/?t={token}").content.decode(), incident.pk
    assert anonymous.get("/board/version?t=forged").status_code == 401


@pytest.mark.parametrize(
    ("header", "english"),
    [
        ("en-US,en;q=0.9", True),
        ("zh-CN,zh;q=0.9,en;q=0.8", False),
        ("", False),
        ("fr-FR,en;q=0.5", False),
    ],
)
def test_the_first_page_follows_the_browsers_language_until_the_user_chooses(demo_city, header, english):
    from django.test import Client

    page = Client().get("/login/", headers={"Accept-Language": header}).content.decode()
    assert ('<html lang="en"' in page) is english
    chosen = Client()
    chosen.cookies["django_language"] = "zh-hans"
    assert '<html lang="zh-CN"' in chosen.get("/login/", headers={"Accept-Language": "en-US"}).content.decode()


def test_the_version_check_and_a_cached_fragment_are_answered_in_front_of_django(login, make_incident):
    """The wrapper config.wsgi puts in front of Django: the same answers without the middleware; anything it
    cannot answer goes to Django (here a stand-in, so the test's database connection stays open)."""
    import io

    from dutyroom.web.live_wsgi import live_check
    from dutyroom.web.views import live

    application = live_check(lambda environ, start_response: (start_response("418 Django", []), [b"django"])[1])
    from dutyroom.web.views.live import live_token

    token = live_token(User.objects.get(username="duty-officer"))

    def get(path: str, query: str, **extra: str) -> tuple[str, dict[str, str], bytes]:
        seen: dict[str, object] = {}
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "wsgi.input": io.BytesIO(),
            "wsgi.url_scheme": "http",
            **extra,
        }
        body = b"".join(application(environ, lambda status, headers: seen.update(status=status, headers=headers)))
        return str(seen["status"]), dict(seen["headers"]), body  # type: ignore[arg-type]

    status, headers, _ = get("/board/version", f"t={token}")
    assert status == "200 OK"
    assert get("/board/version", f"t={token}", HTTP_IF_NONE_MATCH=headers["ETag"])[0] == "304 Not Modified"
    assert get("/board/version", "t=forged")[0] == "418 Django"
    login("duty-officer").get(f"/board/fragment/?t={token}")  # rendered once through Django, then cached
    make_incident(minutes_ago=1, title="前置缓存测试")
    live._heads.at = 0.0
    login("duty-officer").get(f"/board/fragment/?t={token}")
    status, _, body = get("/board/fragment/", f"t={token}")
    assert status == "200 OK" and "前置缓存测试" in body.decode()

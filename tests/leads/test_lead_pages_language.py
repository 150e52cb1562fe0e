"""Lead pages speak the page's language: channel and state labels (never raw codes), English on request."""

from __future__ import annotations

from django.test import Client


def _client(username: str) -> Client:
    from dutyroom.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_the_lead_list_and_page_show_labels_in_chinese_and_in_english(api):
    lead = (
        api("grid-shaxi").post("/leads", {"channel": "grid", "title": "沙溪镇河道有人落水", "area": "shaxi"}).json_body
    )
    officer = _client("duty-officer")
    listing = officer.get("/leads/").content.decode()
    assert "网格员" in listing and "待核实" in listing and 'data-state="new"' in listing
    assert "> grid" not in listing and ">new<" not in listing

    response = officer.post("/i18n/setlang/", {"language": "en", "next": "/leads/"})
    assert response.status_code == 302
    listing = officer.get("/leads/").content.decode()
    for text in (
        "Leads",
        "Report a lead",
        "Grid worker",
        "To verify",
        "Verified by my unit",
        "Watch list",
        "Public-opinion watch",
    ):
        assert text in listing, text
    assert "沙溪镇河道有人落水" in listing  # data is never translated
    for text in ("网格员", "待核实", "报送线索"):
        assert text not in listing, text
    page = officer.get(f"/leads/{lead['id']}/").content.decode()
    for text in ("Verification deadlines", "Record the outcome", "Outcome", "Reason", "Grid worker", "Pending"):
        assert text in page, text
    desk = officer.get("/leads/opinion/").content.decode()
    assert "Early warnings" in desk and "Hot words" in desk and "Last 24 hours" in desk
    report = officer.get("/leads/opinion/report/").content.decode()
    assert "Stage report on public opinion" in report and "Build report" in report
    form = _client("grid-shaxi")
    form.post("/i18n/setlang/", {"language": "en", "next": "/leads/new/"})
    new = form.get("/leads/new/").content.decode()
    assert "What happened (title)" in new and "Town / district" in new and "Source" in new


def test_the_duty_officer_confirms_a_proposed_duplicate_on_the_lead_page(api):
    first = (
        api("grid-liuhe")
        .post("/leads", {"channel": "grid", "title": "浏河镇郑和路多车追尾", "text": "3人受伤", "area": "liuhe"})
        .json_body
    )
    second = (
        api("duty-officer")
        .post("/leads", {"channel": "public", "title": "浏河镇郑和路车祸多车追尾", "text": "5人受伤", "area": "liuhe"})
        .json_body
    )
    proposal = second["duplicates"][0]
    page = _client("duty-officer").get(f"/leads/{second['id']}/").content.decode()
    assert f'action="/leads/duplicates/{proposal["id"]}/decision/"' in page and "确认重复" in page
    assert "确认重复" not in _client("grid-shaxi").get(f"/leads/{second['id']}/").content.decode()
    response = _client("duty-officer").post(f"/leads/duplicates/{proposal['id']}/decision/", {"duplicate": "yes"})
    assert response.status_code == 302
    lead = api("duty-officer").get(f"/leads/{second['id']}").json_body
    assert lead["state"] == "duplicate" and lead["duplicate_of"] == first["id"]

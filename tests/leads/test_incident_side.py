"""The incident side of leads: duplicate offers for a new incident, and "learned from lead N at T"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def iso(minutes_ago: int = 0) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat()


def test_a_new_incident_that_repeats_an_open_lead_and_incident_is_offered_them_with_scores(api):
    from dutyroom.leads.incident_dups import incident_duplicates_job
    from dutyroom.worker.jobs import JOBS

    assert incident_duplicates_job in JOBS
    officer = api("duty-officer")
    lead = (
        api("grid-liuhe")
        .post(
            "/leads",
            {
                "channel": "grid",
                "title": "浏河镇郑和路多车追尾",
                "text": "3人受伤",
                "area": "liuhe",
                "occurred_at": iso(30),
            },
        )
        .json_body
    )
    first = officer.post(
        "/incidents",
        {
            "title": "浏河镇郑和路多车追尾事故",
            "category": "accident",
            "unit": "liuhe",
            "occurred_at": iso(25),
            "location": {"area": "liuhe"},
        },
    ).json_body
    unrelated = officer.post(
        "/incidents",
        {
            "title": "沙溪镇居民楼火灾",
            "category": "accident",
            "unit": "shaxi",
            "occurred_at": iso(20),
            "location": {"area": "shaxi"},
        },
    ).json_body
    incident_duplicates_job(datetime.now(UTC))
    offers = officer.get(f"/incidents/{first['id']}/duplicates").json_body
    assert [(o["lead"], o["incident"]) for o in offers] == [(lead["id"], None)]
    assert 0.55 <= offers[0]["score"] <= 1 and offers[0]["state"] == "proposed"
    assert officer.get(f"/incidents/{unrelated['id']}/duplicates").json_body == []

    second = (
        api("liuhe-reporter")
        .post(
            "/incidents",
            {
                "title": "郑和路车祸多车追尾",
                "category": "accident",
                "unit": "liuhe",
                "occurred_at": iso(24),
                "location": {"area": "liuhe"},
            },
        )
        .json_body
    )
    incident_duplicates_job(datetime.now(UTC))
    incident_duplicates_job(datetime.now(UTC))  # checked once: a second pass offers nothing new
    offers = officer.get(f"/incidents/{second['id']}/duplicates").json_body
    assert {o["incident"] for o in offers} >= {first["id"]} and len(offers) == len({o["id"] for o in offers})
    proposal = next(o for o in offers if o["incident"] == first["id"])
    assert (
        api("liuhe-reporter").post(f"/incident-duplicates/{proposal['id']}/decision", {"duplicate": True}).status_code
        == 403
    )
    assert (
        api("shaxi-reporter").post(f"/incident-duplicates/{proposal['id']}/decision", {"duplicate": True}).status_code
        == 404
    )
    decided = officer.post(f"/incident-duplicates/{proposal['id']}/decision", {"duplicate": True})
    assert decided.status_code == 200 and decided.json_body["state"] == "confirmed"
    assert officer.post(f"/incident-duplicates/{proposal['id']}/decision", {"duplicate": False}).status_code == 409


def test_the_incident_and_its_first_report_clock_say_it_was_learned_from_a_lead(api):
    officer = api("duty-officer")
    lead = officer.post(
        "/leads", {"channel": "media", "title": "浏河镇新闸路化工企业储罐泄漏", "area": "liuhe", "occurred_at": iso(20)}
    ).json_body
    confirmed = (
        api("police-reporter").post(f"/leads/{lead['id']}/verify", {"outcome": "confirmed", "reason": "属实"}).json_body
    )
    incident = officer.get(f"/incidents/{confirmed['incident']}").json_body
    assert incident["learned_at"] == lead["received_at"]
    learned = incident["learned_from_leads"]
    assert [(f["lead"], f["at"], f["unit"], f["kind"]) for f in learned] == [
        (lead["id"], lead["received_at"], "liuhe", "omitted")
    ]
    first_report = next(o for o in incident["obligations"] if o["kind"] == "first_report" and o["unit"] == "liuhe")
    assert first_report["learned_from_lead"]["lead"] == lead["id"]


def test_the_incident_page_shows_the_lead_it_was_learned_from_and_lets_the_duty_room_decide_offers(api):
    from django.test import Client

    from dutyroom.accounts.models import User
    from dutyroom.leads.incident_dups import incident_duplicates_job

    officer = api("duty-officer")
    lead = officer.post(
        "/leads", {"channel": "media", "title": "浏河镇新闸路化工企业储罐泄漏", "area": "liuhe", "occurred_at": iso(20)}
    ).json_body
    confirmed = (
        api("police-reporter").post(f"/leads/{lead['id']}/verify", {"outcome": "confirmed", "reason": "属实"}).json_body
    )
    other = officer.post(
        "/incidents",
        {
            "title": "浏河镇新闸路化工企业储罐泄漏事故",
            "category": "accident",
            "unit": "liuhe",
            "occurred_at": iso(18),
            "location": {"area": "liuhe"},
        },
    ).json_body
    incident_duplicates_job(datetime.now(UTC))
    client = Client()
    client.force_login(User.objects.get(username="duty-officer"))
    html = client.get(f"/incidents/{confirmed['incident']}/").content.decode()
    assert f'href="/leads/{lead["id"]}/"' in html and "获悉自" in html and "漏报候选" in html
    assert f'class="tag learned-from">线索 #{lead["id"]} 在先' in html  # on the unit's first-report clock
    page = client.get(f"/incidents/{other['id']}/").content.decode()
    assert "可能重复" in page and f'href="/incidents/{confirmed["incident"]}/"' in page
    offer = officer.get(f"/incidents/{other['id']}/duplicates").json_body[0]
    response = client.post(f"/leads/incident-duplicates/{offer['id']}/decision/", {"duplicate": "no"})
    assert response.status_code == 302
    assert officer.get(f"/incidents/{other['id']}/duplicates").json_body[0]["state"] == "rejected"

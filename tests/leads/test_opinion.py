"""Public-opinion watch: hot words, the burst detector, early warnings (预警) and the stage report."""

from __future__ import annotations

import io
from collections import Counter
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import docx

from dutyroom.leads.opinion import bursts, hot_words, words_of
from dutyroom.rules import WatchRule

RULE = WatchRule(
    window=timedelta(hours=1), baseline_windows=24, min_items=5, z=3.0, cooldown=timedelta(hours=6), hot_words=20
)


def test_a_topic_bursts_against_its_own_baseline_not_against_a_fixed_count():
    history = [Counter({"化工厂": 1, "台风": 6}) for _ in range(24)]
    current = Counter({"化工厂": 8, "台风": 8, "码头": 4, "暴雨": 5})
    found = {b.topic: b for b in bursts(current, history, RULE)}
    assert set(found) == {"化工厂", "暴雨"}  # 台风 is always this busy; 码头 is below the floor
    assert found["化工厂"].baseline == 1 and found["化工厂"].z == round((8 - 1) / 2**0.5, 2)
    assert found["暴雨"].z == 5.0  # never seen before: (5 - 0) / sqrt(0 + 1)


def test_words_are_segmented_without_stop_words_numbers_or_punctuation_and_counted_once_per_lead():
    words = words_of("网传浏河镇化工厂发生爆炸", "现场浓烟，3人受伤，记者赶到。化工厂")
    assert "化工厂" in words and "浏河镇" in words and words.count("化工厂") == 1
    assert not {"网传", "记者", "3", "，"} & set(words)
    assert hot_words([["化工厂", "化工厂", "浓烟"], ["化工厂"], ["台风"]], 2) == [("化工厂", 2), ("台风", 1)]


def _lead(title: str, at: datetime, channel: str = "internet") -> int:
    from dutyroom.leads.services import LeadInput, LeadOrigin, lead_submit

    return lead_submit(data=LeadInput(channel=channel, title=title), origin=LeadOrigin(source="test"), now=at).pk


def test_a_burst_raises_one_warning_with_its_items_which_the_duty_room_acknowledges_or_sends_to_verify(api):
    from dutyroom.leads.early_warnings import warnings_job, warnings_raise
    from dutyroom.worker.jobs import JOBS

    assert warnings_job in JOBS
    officer = api("duty-officer")
    assert officer.post("/watch-terms", {"term": "化工厂", "kind": "keyword"}).status_code == 201
    now = datetime.now(UTC)
    for hours in range(1, 25):  # a quiet day: one lead an hour about the weather
        _lead("沙溪镇今天天气晴好", now - timedelta(hours=hours, minutes=10), channel="media")
    burst = [_lead(f"浏河镇化工厂冒出浓烟第{n}条", now - timedelta(minutes=n)) for n in range(1, 7)]
    raised = warnings_raise(now)
    assert [w.topic for w in raised] == ["化工厂"]  # one story: the watch term leads, its words go with it
    assert "浓烟" in raised[0].related
    assert warnings_raise(now) == [] and warnings_raise(now + timedelta(minutes=10)) == []  # then the cooldown
    listed = {w["topic"]: w for w in officer.get("/warnings").json_body}
    warning = listed["化工厂"]
    assert warning["topic_kind"] == "term" and warning["count"] == 6 and warning["state"] == "open"
    assert sorted(warning["items"]) == sorted(burst) and warning["z"] >= 3
    assert "天气" not in "".join(listed)  # the steady topic never warns

    assert api("grid-shaxi").get("/warnings").status_code == 403
    assert api("grid-shaxi").get(f"/warnings/{warning['id']}").status_code == 404
    assert api("health-leader").post(f"/warnings/{warning['id']}/acknowledge").status_code in (403, 404)
    acknowledged = officer.post(f"/warnings/{warning['id']}/acknowledge")
    assert acknowledged.status_code == 200 and acknowledged.json_body["state"] == "acknowledged"
    assert officer.post(f"/warnings/{warning['id']}/acknowledge").status_code == 409

    verifying = officer.post(f"/warnings/{warning['id']}/verify").json_body
    assert verifying["state"] == "verifying" and verifying["lead"]
    lead = officer.get(f"/leads/{verifying['lead']}").json_body
    assert lead["title"].startswith("预警核实：化工厂")
    assert sorted(v["unit"] for v in lead["verifiers"]) == ["police", "propaganda"]
    assert all(v["obligation"]["kind"] == "lead_verification" for v in lead["verifiers"])
    assert officer.post(f"/warnings/{warning['id']}/verify").status_code == 409


def test_the_stage_report_lists_topics_trend_items_and_warnings_and_downloads_as_word(api):
    from dutyroom.leads.early_warnings import warnings_raise

    officer = api("duty-officer")
    officer.post("/watch-terms", {"term": "化工厂", "kind": "keyword"})
    now = datetime.now(UTC)
    ids = [_lead(f"浏河镇化工厂冒出浓烟第{n}条", now - timedelta(minutes=n)) for n in range(1, 7)]
    _lead("沙溪镇码头吊机倒塌", now - timedelta(hours=3), channel="grid")
    warnings_raise(now)
    start, end = (now - timedelta(hours=12)).isoformat(), (now + timedelta(minutes=1)).isoformat()
    report = officer.get("/opinion-report?" + urlencode({"start": start, "end": end})).json_body
    assert report["leads"] == 7
    assert report["hot_words"][0] == {"word": "化工厂", "count": 6}
    assert report["watch_terms"] == [{"term": "化工厂", "count": 6}]
    trend = report["trend"]
    assert trend["unit"] == "hour" and sum(trend["series"][0]["data"]) == 7
    assert len(trend["labels"]) == len(trend["series"][0]["data"]) >= 12
    assert {n["id"] for n in report["notable"]} >= set(ids)
    assert [w["topic"] for w in report["warnings"]].count("化工厂") == 1

    response = officer.client.get(
        "/api/v1/opinion-report", {"start": start, "end": end, "format": "docx"}, headers=officer._headers(None)
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    document = docx.Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = {c.text for t in document.tables for r in t.rows for c in r.cells}
    assert "阶段性舆情报告" in text and "化工厂" in cells and "四、预警" in text

    bad = officer.get("/opinion-report?" + urlencode({"start": end, "end": start}))
    assert bad.status_code == 400 and bad.json_body["errors"][0]["field"] == "end"
    assert api("grid-shaxi").get("/opinion-report?" + urlencode({"start": start, "end": end})).status_code == 403
    hot = officer.get("/hot-words").json_body
    assert hot[0] == {"word": "化工厂", "count": 6}


def test_words_that_burst_over_the_same_leads_are_one_story_led_by_the_watch_term():
    from dutyroom.leads.opinion import Burst, stories

    found = [Burst("浓烟", 7, 0, 7.0), Burst("化工厂", 6, 0, 6.0), Burst("异味", 7, 0, 7.0), Burst("台风", 5, 0, 5.0)]
    items = {"浓烟": set(range(7)), "化工厂": set(range(6)), "异味": set(range(1, 8)), "台风": {20, 21, 22, 23, 24}}
    grouped = stories(found, items, preferred={"化工厂"})
    assert [(s.burst.topic, s.related) for s in grouped] == [("化工厂", ("异味", "浓烟")), ("台风", ())]


def test_a_watch_term_hit_inside_its_sensitive_period_warns_at_once_without_a_burst(api):
    from dutyroom.leads.early_warnings import warnings_raise

    officer = api("duty-officer")
    now = datetime.now(UTC)
    period = {"starts_at": (now - timedelta(days=1)).isoformat(), "ends_at": (now + timedelta(days=1)).isoformat()}
    assert officer.post("/watch-terms", {"term": "进博会", "kind": "event", **period}).status_code == 201
    lead = _lead("进博会场馆外有人拉横幅", now - timedelta(minutes=3), channel="new_media")
    raised = warnings_raise(now)
    assert [(w.topic, w.reason, w.count) for w in raised] == [("进博会", "sensitive", 1)]
    assert list(raised[0].items.values_list("id", flat=True)) == [lead]
    assert warnings_raise(now + timedelta(minutes=5)) == []  # quiet for the cooldown
    assert officer.get(f"/warnings/{raised[0].pk}").json_body["reason"] == "sensitive"

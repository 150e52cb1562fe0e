"""Chinese as people write it: duplicates, categories, hot words and warnings on residents', grid workers',
hotline and press wording (the pairs are drawn from the independently written set in bench/data)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dutyroom.leads import gazetteer
from dutyroom.leads.categorize import suggest_category
from dutyroom.leads.opinion import hot_words, is_topic, warning_why, words_of
from dutyroom.leads.similarity import DUPLICATE_THRESHOLD, Doc, Signature, duplicate_score

AT = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
PLACES = gazetteer.from_file()


def _doc(text: str, minutes: int = 0) -> Doc:
    return Doc.signed(Signature.of("", text, places=PLACES), None, AT + timedelta(minutes=minutes))


SAME_EVENT = [
    # abbreviated place, colloquial 着火 against an official title's 火灾
    ("浏河新塘村有户人家着火了，烟老大了，消防车刚到", "浏河镇新塘村民房火灾"),
    # 煤气 / 燃气 / 液化气, 两个人 / 两名
    (
        "热线来电：沙溪那边饭店里液化气罐炸了，伤了两个人",
        "【太仓发布】沙溪镇一饭店发生燃气爆炸事故，两名伤者已送医救治",
    ),
    # 撞一起 / 追尾, the road by its number
    ("来电：204国道牌楼那里三辆车撞一起了，有个司机卡在车里", "浮桥镇204国道三车追尾事故"),
    # traditional characters
    ("城廂鎮一家商店著火了，濃煙滾滾", "城厢镇县府街商铺火灾"),
    # a town's nickname for its port zone, 吊机 / 起重机
    ("港区码头吊机倒了！好吓人，好像压到人了", "太仓港区码头起重机倾覆事故"),
    # 走丢 / 走失
    ("我家老人走丢了，八十多岁，在城厢南门附近走失的", "城厢镇八旬老人走失"),
]

NOT_THE_SAME = [
    # same village, another event
    ("浏河新塘村有户人家着火了，烟老大了，消防车刚到", "新塘村村口两辆车撞了，有人受伤"),
    # same village, a drill about the same topic
    ("网格员报：浏河镇新塘村12组一民房起火，已拨打119，无人员被困", "新塘村开展消防安全应急演练，模拟民房起火疏散"),
    # same kind of event in the neighbouring town
    ("沙溪老街一家饭店煤气爆炸了！玻璃全碎了，吓死人", "璜泾镇一小吃店煤气罐爆炸，一人被烧伤"),
    # same road, the next city
    ("浮桥镇204国道发生多车追尾，暂无人员死亡，交警已到场", "上海嘉定区外冈镇G204多车追尾，嘉定交警处置中"),
    # same kind of event in another city
    ("常熟支塘一家化工厂漏气，味道飘到好远", "璜泾镇一化工企业发生危险化学品泄漏，周边群众已疏散"),
    # an announcement about the same topic
    ("沙溪镇印溪社区一餐馆疑似燃气爆燃，2人受伤送医", "沙溪镇开展餐饮场所燃气安全专项检查"),
    # a forecast is not the flood it forecasts
    ("城厢镇这边下暴雨，小区里水都淹到膝盖了", "气象台发布暴雨黄色预警，预计今天下午太仓有大暴雨"),
]


@pytest.mark.parametrize(("a", "b"), SAME_EVENT)
def test_one_event_written_two_ways_is_offered_as_a_duplicate_in_either_order(a: str, b: str) -> None:
    assert duplicate_score(_doc(a), _doc(b, 20)) >= DUPLICATE_THRESHOLD
    assert duplicate_score(_doc(b, 20), _doc(a)) >= DUPLICATE_THRESHOLD


@pytest.mark.parametrize(("a", "b"), NOT_THE_SAME)
def test_hard_negatives_are_not_offered_in_either_order(a: str, b: str) -> None:
    assert duplicate_score(_doc(a), _doc(b, 20)) < DUPLICATE_THRESHOLD
    assert duplicate_score(_doc(b, 20), _doc(a)) < DUPLICATE_THRESHOLD


def test_scores_stay_between_zero_and_one_and_unrelated_reports_score_near_zero() -> None:
    score = duplicate_score(_doc("双凤一个养猪场猪死了好多"), _doc("娄东这边菜场有人拿刀砍人"))
    assert 0.0 <= score < 0.1


def test_the_gazetteer_reads_an_installations_own_unit_tree() -> None:
    """Any city: its towns and villages come from its units, abbreviations included."""
    units = [
        ("duty-room", "昆山市人民政府值班室", "duty_room", None),
        ("zhoushi", "周市镇人民政府", "town", "duty-room"),
        ("qiandeng", "千灯镇人民政府", "town", "duty-room"),
        ("yongping", "永平村村民委员会", "village", "zhoushi"),
    ]
    places = gazetteer.build(units, [])
    keys = places.keys("周市永平村有户人家着火了")
    assert keys.towns == {"zhoushi"} and keys.locals == {"永平村"} and keys.cities == {"昆山"}
    assert places.keys("千灯镇一民房起火").towns == {"qiandeng"}


@pytest.mark.django_db
def test_a_village_added_to_the_unit_tree_is_read_in_leads_from_then_on() -> None:
    from dutyroom.leads import dedup
    from dutyroom.orgs.models import Unit

    root = Unit.objects.create(code="root", name="太仓市人民政府值班室", kind="duty_room")
    town = Unit.objects.create(code="liuhe", name="浏河镇人民政府", kind="town", parent=root)
    assert "l:万安新村" not in Signature.of("", "浏河万安新村一民房起火").kinds
    Unit.objects.create(code="wanan", name="万安新村村民委员会", kind="village", parent=town)
    assert "l:万安新村" in Signature.of("", "浏河万安新村一民房起火").kinds
    assert dedup.installation_gazetteer().keys("浏河万安新村").towns == {"liuhe"}


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("网传沙溪一饭店煤气爆炸的视频，现场玻璃全碎", "accident"),  # a gas explosion is 事故灾难, even online
        ("浮桥一个厂里好多人吃了食堂的饭拉肚子，送医院了", "public_health"),
        ("陆渡有个厂老板跑了，几十个工人堵在门口要工资", "social_security"),
        ("城厢镇这边下暴雨，小区里水都淹到膝盖了", "natural"),
        ("璜泾镇杨漕村数十名村民聚集企业门口，反映废气污染", "social_security"),
        ("双凤镇庆丰村一养殖场生猪异常死亡，疑似非洲猪瘟", "public_health"),
        ("縣府街商鋪失火，消防車已到場", "accident"),
    ],
)
def test_a_leads_category_is_suggested_from_its_words(text: str, category: str) -> None:
    assert suggest_category(text) == category


def test_no_category_is_suggested_when_the_words_name_none() -> None:
    assert suggest_category("请问明天几点开会") is None


def test_cap_fields_feed_templates_and_generic_verbs_never_become_hot_words() -> None:
    cap = words_of(
        "太仓市气象台发布暴雨黄色预警信号",
        "[暴雨] Immediate · Severe · Likely\n预计未来6小时内出现大量降水，请注意防范。Actual Alert Public",
    )
    feed = words_of("沙溪饭店燃气爆炸", "来源：太仓日报 原标题：沙溪饭店燃气爆炸 责任编辑：王敏 点击查看全文 阅读 评论")
    chatter = words_of("", "目前情况出现大量上升，有关部门正在处置")
    assert "暴雨" in cap and "燃气" in feed and "爆炸" in feed and "沙溪镇" in feed
    noise = {
        "immediate",
        "severe",
        "likely",
        "actual",
        "alert",
        "public",
        "出现",
        "上升",
        "大量",
        "预警",
        "来源",
        "责任编辑",
        "王敏",
        "点击",
        "阅读",
        "评论",
        "目前",
        "有关部门",
        "情况",
        "发布",
        "防范",
        "未来",
    }
    assert not noise & {*cap, *feed, *chatter}
    top = [word for word, _ in hot_words([cap, feed, chatter] * 5, 20)]
    assert top and not noise & set(top)


def test_synonyms_and_places_count_as_one_hot_word() -> None:
    posts = [
        words_of("", "浏河新塘村有户人家着火了"),
        words_of("", "浏河镇新塘村民房失火"),
        words_of("", "新塘村一民房起火"),
    ]
    counts = dict(hot_words(posts, 10))
    assert counts["起火"] == 3 and counts["新塘村"] == 3 and counts["浏河镇"] == 2


def test_a_burst_is_about_an_event_or_a_place() -> None:
    assert is_topic("起火") and is_topic("浏河镇") and is_topic("新塘村")
    assert not is_topic("immediate") and not is_topic("出现") and not is_topic("上升") and not is_topic("有户")


def test_a_warning_says_why_it_fired() -> None:
    why = warning_why("起火", count=8, baseline=0.5, window_minutes=60, related=["浏河镇", "新塘村"])
    assert why == "近1小时有8条线索说到“起火”，此前平均每1小时约0.5条；同时增多：浏河镇、新塘村。"
    first = warning_why("燃气", count=3, baseline=0, window_minutes=30)
    assert first == "近30分钟有3条线索说到“燃气”，此前各时段都没有。"

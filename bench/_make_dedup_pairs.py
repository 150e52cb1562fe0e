"""Writes the labelled duplicate set ``dutyroom/leads/data/dedup_pairs.jsonl`` (seeded, reproducible).

Each line is a pair of short Chinese reports (``a``, ``b``: title, text, area, minutes) and ``duplicate``.
Places are Taicang's towns, subdistricts, zones and roads; enterprises are described, never named.
Positives: the same event told by different senders in different words, often with different figures and
up to 90 minutes apart. Negatives: the same place with another event; the same kind of event in another
town; the same kind of event in the same town on another road many hours later; unrelated pairs.
Run: ``.venv/bin/python bench/_make_dedup_pairs.py`` (the output is committed; the bench reads it).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "dutyroom" / "leads" / "data" / "dedup_pairs.jsonl"

PLACES = [  # (area code, town name, roads, sites)
    (
        "chengxiang",
        "城厢镇",
        ["上海东路", "县府街", "新华东路", "太平北路", "人民南路"],
        ["万达广场", "一家小区地下车库", "菜市场", "老旧居民楼", "商业街店铺"],
    ),
    ("shaxi", "沙溪镇", ["白云路", "沙南路", "岳王街", "印溪路"], ["古镇景区", "一家纺织厂", "居民楼", "农贸市场"]),
    (
        "liuhe",
        "浏河镇",
        ["新闸路", "浏河口路", "郑和路", "滨江大道"],
        ["一家化工企业", "渔港码头", "一家物流仓库", "长江边堤岸"],
    ),
    (
        "fuqiao",
        "浮桥镇",
        ["浮南路", "时思路", "老浮桥街"],
        ["一家纸业公司", "港区码头", "建筑工地", "一家危化品储罐区"],
    ),
    ("huangjing", "璜泾镇", ["永乐路", "璜泾大道", "杨林路"], ["一家化纤厂", "村民住宅", "一家加油站", "河道"]),
    ("shuangfeng", "双凤镇", ["凤中路", "双凤大道", "新湖路"], ["一家机械厂", "养殖场", "小学门口", "村道桥梁"]),
    ("loudong", "娄东街道", ["北京东路", "郑和中路", "娄江路"], ["一处建筑工地", "商场", "住宅小区", "学校食堂"]),
    ("ludu", "陆渡街道", ["陆渡大道", "朝阳路", "苏州路"], ["一家电子厂", "物流园", "出租屋", "高架桥下"]),
    (
        "port-zone",
        "港区",
        ["北环路", "港城大道", "滨江大道"],
        ["集装箱码头", "一家化工储运公司", "散货堆场", "LNG接收站附近"],
    ),
    (
        "hitech-zone",
        "高新区",
        ["常胜南路", "东亭路", "北京西路"],
        ["一家汽车零部件厂", "研发园区", "员工宿舍", "污水处理厂"],
    ),
]

EVENTS: dict[str, list[str]] = {
    "fire": [
        "{town}{road}{site}发生火灾，现场浓烟滚滚，已有{n}人受伤送医。",
        "网友爆料：{town}{road}附近{site}起火，黑烟很大，听说有{n}人受伤。",
        "{site}（{town}{road}）失火，消防已到场扑救，初步了解{n}人受伤。",
        "接群众报告，{road}上的{site}着火了，位置在{town}，约{n}人被困或受伤。",
    ],
    "leak": [
        "{town}{road}{site}发生危化品泄漏，现场有刺鼻气味，{n}名工人不适。",
        "{site}管道泄漏，地点{town}{road}，周边闻到异味，{n}人出现头晕。",
        "网传{town}{road}一带有化学品泄露，{site}已停产处置，约{n}人送医观察。",
        "{town}{site}储罐阀门漏料，{road}附近空气有异味，暂报{n}人轻微中毒。",
    ],
    "traffic": [
        "{town}{road}发生多车追尾事故，造成{n}人受伤，道路拥堵。",
        "{road}（{town}段）几辆车相撞，现场{n}人受伤，交警已到。",
        "网友发视频：{town}{road}车祸，一辆货车和小车撞在一起，约{n}人受伤。",
        "{town}{road}交通事故，{n}人受伤送医，车辆堵了好几百米。",
    ],
    "collapse": [
        "{town}{road}{site}发生坍塌，{n}人被埋压，正在救援。",
        "{site}部分墙体倒塌（{town}{road}），据称有{n}人被困。",
        "{town}{road}{site}塌方，现场有{n}名工人受伤。",
        "网传{town}{site}倒塌，地址在{road}，可能有{n}人受困。",
    ],
    "drowning": [
        "{town}{road}附近河道有人落水，{n}人下落不明，正在打捞。",
        "{town}有群众反映{road}旁河里有人溺水，约{n}人失踪。",
        "{road}（{town}）河边发生溺水事件，{n}名儿童落水。",
        "网友称{town}{road}桥下有人落水，已有{n}人被救起送医。",
    ],
    "gathering": [
        "{town}{road}{site}门口有{n}十名群众聚集，情绪激动。",
        "约{n}十人在{town}{site}（{road}）拉横幅讨薪，现场聚集。",
        "网传{town}{road}{site}有大量人员聚集维权，人数约{n}十人。",
        "{site}外聚集多名群众反映诉求，地点{town}{road}，人数{n}十左右。",
    ],
    "explosion": [
        "{town}{road}{site}发生爆炸，巨响传出数公里，{n}人受伤。",
        "网友听到{town}方向一声巨响，疑似{road}{site}爆炸，{n}人受伤。",
        "{site}车间爆燃（{town}{road}），造成{n}人受伤。",
        "{town}{road}一带发生闪爆，{site}受损，暂报{n}人伤。",
    ],
    "poisoning": [
        "{town}{road}{site}发生疑似食物中毒，{n}人出现呕吐腹泻。",
        "{site}就餐人员集体不适（{town}{road}），已有{n}人就医，疑食物中毒。",
        "网传{town}{site}多人吃了饭后上吐下泻，约{n}人送医院。",
        "{town}{road}{site}约{n}人午餐后腹痛呕吐，疾控已介入。",
    ],
    "flood": [
        "{town}{road}严重积水，{site}进水，约{n}户受影响。",
        "暴雨导致{town}{road}内涝，{site}被淹，{n}户居民转移。",
        "网友拍到{town}{road}水深过膝，{site}一楼进水，{n}户需要转移。",
        "{town}{site}（{road}）受淹，积水未退，已转移群众{n}户。",
    ],
}
TITLES = {
    "fire": "{town}{site}火灾",
    "leak": "{town}{site}泄漏",
    "traffic": "{town}{road}交通事故",
    "collapse": "{town}{site}坍塌",
    "drowning": "{town}{road}溺水",
    "gathering": "{town}{site}人员聚集",
    "explosion": "{town}{site}爆炸",
    "poisoning": "{town}{site}疑似食物中毒",
    "flood": "{town}{road}积水内涝",
}
ALT_TITLES = {
    "fire": "{road}起火",
    "leak": "{road}附近有异味",
    "traffic": "{road}车祸",
    "collapse": "{site}倒塌",
    "drowning": "有人落水",
    "gathering": "{site}有人聚集",
    "explosion": "{town}巨响",
    "poisoning": "多人不适",
    "flood": "{road}淹水",
}


def item(rng: random.Random, kind: str, place: tuple, road: str, site: str, minutes: int, variant: int) -> dict:
    code, town, _roads, _sites = place
    text = EVENTS[kind][variant].format(town=town, road=road, site=site, n=rng.randint(1, 9))
    title = (TITLES if rng.random() < 0.6 else ALT_TITLES)[kind].format(town=town, road=road, site=site)
    area = code if rng.random() < 0.85 else None  # some senders do not say which town
    return {"title": title, "text": text, "area": area, "minutes": minutes}


def pair(a: dict, b: dict, duplicate: bool, why: str) -> dict:
    return {"a": a, "b": b, "duplicate": duplicate, "why": why}


def build(seed: int = 20171922) -> list[dict]:
    rng = random.Random(seed)
    kinds = list(EVENTS)
    out: list[dict] = []
    for _ in range(160):  # the same event in other words, other figures, up to 90 minutes apart
        place, kind = rng.choice(PLACES), rng.choice(kinds)
        road, site = rng.choice(place[2]), rng.choice(place[3])
        v1, v2 = rng.sample(range(4), 2)
        t = rng.randint(0, 10000)
        out.append(
            pair(
                item(rng, kind, place, road, site, t, v1),
                item(rng, kind, place, road, site, t + rng.randint(-90, 90), v2),
                True,
                "same event",
            )
        )
    for _ in range(60):  # same place and time, another event
        place = rng.choice(PLACES)
        road, site = rng.choice(place[2]), rng.choice(place[3])
        k1, k2 = rng.sample(kinds, 2)
        t = rng.randint(0, 10000)
        out.append(
            pair(
                item(rng, k1, place, road, site, t, rng.randrange(4)),
                item(rng, k2, place, road, site, t + rng.randint(-120, 120), rng.randrange(4)),
                False,
                "same place, different event",
            )
        )
    for _ in range(50):  # the same kind of event in another town at about the same time
        p1, p2 = rng.sample(PLACES, 2)
        kind = rng.choice(kinds)
        t = rng.randint(0, 10000)
        out.append(
            pair(
                item(rng, kind, p1, rng.choice(p1[2]), rng.choice(p1[3]), t, rng.randrange(4)),
                item(rng, kind, p2, rng.choice(p2[2]), rng.choice(p2[3]), t + rng.randint(-60, 60), rng.randrange(4)),
                False,
                "same kind, another town",
            )
        )
    for _ in range(30):  # the same kind of event in the same town, another road, hours apart
        place, kind = rng.choice(PLACES), rng.choice(kinds)
        (r1, r2), (s1, s2) = rng.sample(place[2], 2), rng.sample(place[3], 2)
        t = rng.randint(0, 10000)
        out.append(
            pair(
                item(rng, kind, place, r1, s1, t, rng.randrange(4)),
                item(rng, kind, place, r2, s2, t + rng.choice([-1, 1]) * rng.randint(360, 1440), rng.randrange(4)),
                False,
                "same kind, same town, another road, hours apart",
            )
        )
    for _ in range(20):  # unrelated
        p1, p2 = rng.sample(PLACES, 2)
        k1, k2 = rng.sample(kinds, 2)
        out.append(
            pair(
                item(rng, k1, p1, rng.choice(p1[2]), rng.choice(p1[3]), rng.randint(0, 10000), 0),
                item(rng, k2, p2, rng.choice(p2[2]), rng.choice(p2[3]), rng.randint(0, 10000), 1),
                False,
                "unrelated",
            )
        )
    rng.shuffle(out)
    return out


if __name__ == "__main__":
    pairs = build()
    OUT.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pairs), encoding="utf-8")
    print(f"wrote {len(pairs)} pairs ({sum(p['duplicate'] for p in pairs)} duplicates) to {OUT}")

"""The event-type lexicon: how people name what happened, tied to the rulebook's categories and subtypes.

One table serves three readers: duplicate scoring (two reports of different kinds of event are not one
event), the category suggested for a lead's incident form, and hot words (an event word is a topic, a
generic verb is not). Words are written as residents, grid workers, hotline operators and the press write
them — 着火/起火/失火, 煤气/燃气/液化气, 撞/相撞/追尾 — and ``canonical`` folds each family of synonyms to
one form so that character bigrams of two wordings meet. Pure: no Django, no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import ahocorasick_rs

from dutyroom.leads.text import normalize


@dataclass(frozen=True)
class Kind:
    """One kind of event: the rulebook category and subtype it belongs to, the words that say it happened
    (``words``) and words that only hint at the category (``cues``: a 食堂 is where poisoning happens, but a
    canteen fire is a fire). Both count for the category; only ``words`` tell two events apart."""

    code: str
    category: str
    subtype: str
    words: tuple[str, ...]
    cues: tuple[str, ...] = ()


KINDS: tuple[Kind, ...] = (
    Kind(
        "fire",
        "accident",
        "fire",
        (
            "火灾",
            "起火",
            "着火",
            "失火",
            "著火",
            "燃烧",
            "火情",
            "浓烟",
            "冒烟",
            "黑烟",
            "烧起来",
            "烧毁",
            "火警",
            "冒火",
            "自燃",
            "烧着",
            "火苗",
            "火势",
            "扑救",
            "扑灭",
            "明火",
            "火点",
            "过火",
            "火光",
            "烧死",
            "焚毁",
            "起火点",
            "山火",
            "林火",
            "烧光了",
            "大火",
            "火很大",
            "火太大",
            "fire",
            "blaze",
            "burning",
        ),
        (
            "119",
            "消防",
            "烧毁",
            "救火",
            "灭火器",
            "烟雾",
        ),
    ),
    Kind(
        "explosion",
        "accident",
        "production_safety",
        (
            "爆炸",
            "闪爆",
            "爆燃",
            "巨响",
            "炸响",
            "爆响",
            "炸了",
            "炸伤",
            "粉尘爆",
            "燃爆",
            "爆开",
            "炸裂",
            "巨大声响",
            "一声巨响",
            "explosion",
            "exploded",
            "blast",
        ),
    ),
    Kind(
        "leak",
        "accident",
        "hazardous_chemicals",
        (
            "泄漏",
            "泄露",
            "漏气",
            "漏了",
            "刺鼻",
            "漏料",
            "外泄",
            "渗漏",
            "漏出",
            "漏氨",
            "堵漏",
            "leak",
            "leaking",
            "煤气中毒",
            "一氧化碳中毒",
            "燃气中毒",
        ),
        (
            "危化品",
            "危险化学品",
            "氯气",
            "氨气",
            "液氨",
            "涉氨",
            "燃气味",
            "煤气味",
            "槽罐车",
            "化工",
            "储罐",
            "钢瓶",
            "锅炉",
            "压力容器",
            "燃气",
            "天然气",
            "煤气",
            "液化气",
        ),
    ),
    Kind(
        "traffic",
        "accident",
        "traffic",
        (
            "追尾",
            "相撞",
            "车祸",
            "交通事故",
            "撞车",
            "侧翻",
            "翻车",
            "碰撞",
            "撞了",
            "撞一起",
            "撞上",
            "撞到",
            "刮擦",
            "剐蹭",
            "撞伤",
            "撞死",
            "碾压",
            "撞倒",
            "撞飞",
            "撞击",
            "碰擦",
            "擦碰",
            "连环撞",
            "撞护栏",
            "冲出路面",
            "车刮倒",
            "车翻了",
            "车撞",
            "冲进河",
            "开进河",
            "翻进河",
            "掉沟里",
            "翻到沟",
            "collision",
            "collided",
            "crash",
            "pile-up",
        ),
        (
            "交警",
            "车道",
            "货车",
            "电动车",
            "高速",
            "国道",
            "交通安全",
            "驾驶",
            "司机",
            "驾驶员",
            "车辆",
            "轿车",
            "路口",
            "红绿灯",
            "公交",
            "脱轨",
        ),
    ),
    Kind(
        "collapse",
        "accident",
        "construction",
        (
            "坍塌",
            "倒塌",
            "塌方",
            "垮塌",
            "埋压",
            "塌了",
            "倒了",
            "倾覆",
            "塌陷",
            "裂缝",
            "裂了",
            "塌下来",
            "垮了",
            "倒下来",
            "collapsed",
        ),
        (
            "脚手架",
            "工地",
            "建筑",
            "施工",
            "在建",
            "基坑",
            "塔吊",
            "危房",
            "房屋安全",
            "围挡",
        ),
    ),
    Kind(
        "fall",
        "accident",
        "construction",
        (
            "高处坠落",
            "摔下来",
            "坠落",
            "下坠",
            "掉下来",
            "跌落",
            "坠楼",
            "摔伤",
            "摔下",
            "砸伤",
            "砸中",
            "砸死",
            "被砸",
            "摔倒了",
            "跌倒了",
            "滑倒了",
        ),
    ),
    Kind(
        "machinery",
        "accident",
        "production_safety",
        (
            "机械伤害",
            "卷入",
            "压伤",
            "夹伤",
            "绞伤",
            "轧伤",
            "被机器",
            "被压",
            "被夹",
            "切断手指",
            "工伤",
        ),
        (
            "冲床",
            "机器",
            "注塑机",
            "机床",
            "设备",
            "安全生产",
            "车间",
        ),
    ),
    Kind(
        "drowning",
        "accident",
        "water_traffic",
        (
            "落水",
            "溺水",
            "溺亡",
            "打捞",
            "掉河里",
            "浮尸",
            "尸体",
            "搜救",
            "捞上来",
            "掉进河",
            "坠河",
            "掉水里",
            "淹死",
            "下水游泳",
            "野泳",
            "被冲走",
            "没上来",
            "掉湖里",
            "掉江里",
            "掉进湖",
            "落河",
            "坠入河",
            "跳河",
            "跳江",
            "掉入水",
            "drowned",
            "drowning",
        ),
        ("防溺水", "救生圈", "游泳"),
    ),
    Kind(
        "vessel",
        "accident",
        "water_traffic",
        (
            "沉没",
            "翻沉",
            "沉了",
            "搁浅",
            "翻船",
            "倾覆",
            "翻覆",
            "撞船",
            "往下沉",
            "船翻",
            "翻船了",
            "sank",
            "sinking",
            "capsized",
            "taking on water",
        ),
        (
            "渔船",
            "货船",
            "船舶",
            "游艇",
            "海事",
            "船",
            "船员",
            "码头",
            "航道",
            "锚地",
            "停航",
            "锚泊",
            "ship",
            "vessel",
        ),
    ),
    Kind(
        "lift",
        "accident",
        "special_equipment",
        (
            "困人",
            "关在里面",
            "困在电梯",
            "电梯卡",
            "卡住",
            "悬空",
            "停在半空",
            "电梯故障",
            "电梯停",
        ),
        (
            "电梯",
            "起重机",
            "吊机",
            "特种设备",
            "游乐设施",
            "过山车",
            "摩天轮",
            "缆车",
        ),
    ),
    Kind(
        "utility",
        "accident",
        "infrastructure",
        (
            "停电",
            "跳闸",
            "没电",
            "断电",
            "爆管",
            "停水",
            "管道破裂",
            "挖断",
            "挖破",
            "爆裂",
            "停气",
            "燃气中断",
            "断网",
            "通信中断",
            "断水",
            "没水了",
            "停水了",
        ),
        (
            "供电",
            "水管",
            "供水",
            "变电站",
            "桥梁",
            "桥",
            "燃气管道",
            "线路",
            "抢修",
            "故障",
            "路面",
            "井盖",
            "光缆",
            "电缆",
        ),
    ),
    Kind(
        "water_pollution",
        "accident",
        "environmental",
        (
            "死鱼",
            "偷排",
            "排污",
            "污水",
            "黑臭",
            "水污染",
            "鱼全死了",
            "鱼死了",
            "鱼都死了",
            "死了好多鱼",
            "蓝藻",
            "水华",
            "漏油",
            "溢油",
            "油污",
            "偷倒",
            "倾倒",
        ),
        (
            "污染",
            "环保",
            "生态环境",
            "水质",
            "河道",
            "排放",
        ),
    ),
    Kind(
        "air_pollution",
        "accident",
        "environmental",
        (
            "废气",
            "异味",
            "臭",
            "焚烧",
            "冒黄烟",
            "难闻",
            "呛人",
        ),
        (
            "秸秆",
            "禁烧",
            "挥发性有机物",
            "vocs",
            "气味",
            "粉尘",
        ),
    ),
    Kind(
        "flood",
        "natural",
        "flood",
        (
            "积水",
            "内涝",
            "淹",
            "进水",
            "暴雨",
            "强降雨",
            "排涝",
            "大雨",
            "被淹",
            "淹水",
            "水漫",
            "没过脚踝",
            "没到膝盖",
            "决堤",
            "漫堤",
            "渗水",
            "水淹",
            "淹没",
            "倒灌",
            "泡水",
            "漫上来",
            "天文大潮",
            "大潮",
            "潮水",
            "水位上涨",
            "涨水",
            "河水上涨",
            "漫过",
            "漫进",
            "flood",
            "waterlogging",
        ),
        (
            "防汛",
            "汛情",
            "水位",
            "潮位",
            "洪水",
            "降雨",
            "降水",
            "雨量",
            "排水",
            "泵站",
            "河堤",
            "江堤",
            "堤防",
            "沙袋",
        ),
    ),
    Kind(
        "storm",
        "natural",
        "meteorological",
        (
            "台风",
            "龙卷风",
            "大风",
            "倒伏",
            "吹翻",
            "刮倒",
            "吹倒",
            "吹落",
            "狂风",
            "团雾",
            "大雾",
            "寒潮",
            "冰雹",
            "雷电",
            "雷击",
            "被雷",
            "雷劈",
            "强对流",
            "干旱",
            "旱情",
            "抗旱",
            "没下雨",
            "掀翻",
            "被掀",
            "刮跑",
            "吹跑",
            "暴雪",
            "雪灾",
            "冰冻",
            "结冰",
            "冻裂",
            "冻爆",
            "冻坏",
            "刮断",
            "吹断",
            "吹塌",
            "被风",
            "风太大",
            "压塌",
            "雪压",
            "积雪",
            "浓雾",
            "雾太大",
            "霜冻",
            "冻害",
            "热浪",
            "沙尘暴",
            "冷空气",
            "树倒",
            "树木倒",
            "断枝",
            "吹下来",
            "刮下来",
            "刮掉",
            "吹掉",
            "干裂",
            "typhoon",
            "tornado",
            "hail",
            "gale",
        ),
        (
            "气象台",
            "高温",
            "气象",
            "大雪",
            "暴雪",
            "冰冻",
            "霾",
            "干旱",
            "旱情",
            "风暴潮",
            "能见度",
            "降雪",
            "融雪剂",
            "高温天",
            "灌溉",
        ),
    ),
    Kind(
        "earthquake",
        "natural",
        "earthquake",
        (
            "地震",
            "震感",
            "崩岸",
            "滑坡",
            "有震感",
            "晃动",
            "摇晃",
            "泥石流",
            "山体滑坡",
            "地面沉降",
            "塌进江",
            "塌到江",
            "塌入江",
            "塌进河",
            "earthquake",
        ),
        (
            "防震",
            "震级",
            "震中",
            "地质",
            "沉降",
            "岸坡",
            "有感",
            "晃了",
            "防震减灾",
        ),
    ),
    Kind(
        "pest",
        "natural",
        "biological",
        (
            "病虫害",
            "虫害",
            "有害生物",
            "白蛾",
            "一枝黄花",
            "外来入侵",
            "入侵植物",
            "入侵物种",
            "松材线虫",
            "蝗虫",
            "虫灾",
        ),
        ("喷药", "飞防", "毛毛虫", "林业", "防治"),
    ),
    Kind(
        "electric",
        "accident",
        "production_safety",
        ("触电", "电死", "被电", "电击", "漏电"),
        ("电线", "低压线", "高压线", "电线杆"),
    ),
    Kind(
        "confined",
        "accident",
        "production_safety",
        ("有限空间", "窒息", "中毒窒息", "下井", "井下", "化粪池", "污水井", "窨井", "检查井", "沼气池"),
        ("下水道", "清淤"),
    ),
    Kind(
        "poisoning",
        "public_health",
        "food_safety",
        (
            "中毒",
            "呕吐",
            "腹泻",
            "上吐下泻",
            "拉肚子",
            "吐了",
            "投毒",
            "吃坏",
            "职业中毒",
            "农药中毒",
            "食物中毒",
            "不明原因",
            "肚子疼",
            "肚子痛",
            "food poisoning",
            "地沟油",
        ),
        (
            "食堂",
            "饭菜",
            "午餐",
            "食品",
            "吃了",
            "变质",
            "过期",
            "不新鲜",
            "食源性",
            "餐饮",
            "饮用水",
            "外卖",
            "不适",
            "就诊",
            "住院",
            "不舒服",
        ),
    ),
    Kind(
        "infection",
        "public_health",
        "infectious_disease",
        (
            "流感",
            "发烧",
            "发热",
            "疫情",
            "病例",
            "传染",
            "停课",
            "咳嗽",
            "感染",
            "水痘",
            "结核",
            "诺如",
            "手足口",
            "登革热",
            "麻疹",
            "腮腺炎",
            "猩红热",
            "新冠",
            "甲流",
            "肺炎",
            "霍乱",
            "伤寒",
            "肝炎",
            "聚集性",
            "阳性",
            "猴痘",
            "鼠疫",
            "狂犬病",
            "发热病人",
            "出疹子",
            "皮疹",
            "outbreak",
            "疱疹",
            "疹子",
        ),
        (
            "疫苗",
            "卫健委",
            "疾控",
            "卫生",
            "患者",
            "病人",
            "就医",
            "隔离",
            "确诊",
            "接种",
            "症状",
            "医院报告",
            "灭蚊",
            "防蚊",
            "蚊虫",
            "清积水",
            "爱国卫生",
            "消毒",
            "病毒",
            "核酸",
            "发热门诊",
        ),
    ),
    Kind(
        "animal",
        "public_health",
        "animal_epidemic",
        (
            "猪瘟",
            "禽流感",
            "死猪",
            "异常死亡",
            "死了一大片",
            "动物疫情",
            "病死",
            "死鸡",
            "死鸭",
            "扑杀",
            "疫区",
            "狂犬",
            "h7n9",
            "咬伤",
            "咬人",
            "被狗咬",
            "狗咬",
            "犬伤",
            "口蹄疫",
            "布病",
            "牛结节",
            "禽类死亡",
            "疯狗",
            "病猪",
        ),
        (
            "生猪",
            "家禽",
            "养殖",
            "动物疫",
            "养猪",
            "鸡",
            "鸭",
            "牛羊",
            "兽医",
            "畜牧",
            "活禽",
            "流浪狗",
            "流浪犬",
            "狂犬疫苗",
            "养犬",
        ),
    ),
    Kind(
        "heat",
        "public_health",
        "occupational_poisoning",
        (
            "中暑",
            "热晕",
            "热射病",
            "热昏",
            "晒晕",
            "职业病",
            "尘肺",
            "职业健康",
            "高温作业",
            "露天作业",
            "户外作业",
            "露天干活",
            "户外干活",
        ),
        (
            "防暑",
            "晕倒",
            "晕了",
            "头晕",
            "农药",
            "晕倒了",
            "昏倒了",
        ),
    ),
    Kind(
        "gathering",
        "social_security",
        "mass_incident",
        (
            "聚集",
            "讨薪",
            "维权",
            "上访",
            "横幅",
            "围在",
            "欠薪",
            "工钱",
            "要工资",
            "抗议",
            "堵在",
            "围着",
            "闹事",
            "围堵",
            "静坐",
            "堵门",
            "群访",
            "集体上访",
            "讨说法",
            "拉横幅",
            "请愿",
            "游行",
            "集访",
            "罢运",
            "集体停",
            "堵路",
            "堵厂门",
            "讨个说法",
            "集体讨要",
            "不给钱",
            "要说法",
            "医闹",
            "protest",
        ),
        ("拆迁", "纠纷", "补偿", "信访", "劳资", "罢工", "停工", "安置", "业主", "维稳"),
    ),
    Kind(
        "crime",
        "social_security",
        "criminal_case",
        (
            "持刀",
            "砍人",
            "伤人",
            "打架",
            "斗殴",
            "抢劫",
            "被抢",
            "盗窃",
            "被偷",
            "行凶",
            "打人",
            "杀人",
            "命案",
            "殴打",
            "刺伤",
            "拿刀",
            "打群架",
            "吵架",
            "打起来",
            "被盗",
            "失窃",
            "入室",
            "械斗",
            "捅伤",
            "绑架",
            "纵火",
            "被骗",
            "高空抛物",
            "反恐",
            "防暴",
            "暴恐",
            "挤兑",
            "卷款",
            "暴雷",
            "吸毒",
            "贩毒",
            "赌博",
            "诈骗案",
            "电信诈骗",
            "扒窃",
            "小偷",
            "砍伤",
            "捅人",
            "抢包",
            "飞车抢",
            "猥亵",
            "性侵",
            "开枪",
            "拐卖",
            "校园欺凌",
            "霸凌",
            "卷款跑路",
            "老板跑路",
            "倒闭",
            "取不出钱",
            "挤提",
            "放火",
        ),
        (
            "嫌疑人",
            "警情",
            "警方",
            "民警",
            "派出所",
            "110",
            "诈骗",
            "传销",
            "非法集资",
            "跑路",
            "爆雷",
            "兑付",
            "自杀",
            "跳楼",
            "轻生",
            "袭击",
            "枪",
            "刀",
            "治安",
            "扔下",
            "坠物",
            "酒驾",
            "醉驾",
            "想不开",
        ),
    ),
    Kind(
        "missing",
        "social_security",
        "criminal_case",
        (
            "走失",
            "走丢",
            "不见了",
            "失踪",
            "寻回",
            "找不到",
            "失联",
            "走散",
            "下落不明",
            "联系不上",
            "寻人",
            "外出未归",
            "未归",
            "没回来",
            "走散了",
            "missing",
        ),
        (
            "防走失",
            "急寻",
        ),
    ),
    Kind(
        "opinion",
        "social_security",
        "public_opinion",
        (
            "舆情",
            "网传",
            "热议",
            "辟谣",
            "网上说",
            "网上传",
            "网上都在传",
        ),
        (
            "转发",
            "视频",
            "引发关注",
            "网络",
            "城管",
            "谣言",
            "摊贩",
            "冲突",
            "曝光",
            "投诉",
            "热搜",
            "刷屏",
            "抖音",
            "微博",
        ),
    ),
    Kind(
        "crowd",
        "social_security",
        "mass_incident",
        (
            "人太多",
            "挤",
            "限流",
            "踩踏",
            "超载",
            "人很多",
            "客流高峰",
            "人山人海",
        ),
        (
            "马拉松",
            "灯会",
            "演唱会",
            "庙会",
            "大型活动",
            "客流",
            "游客",
            "景区",
        ),
    ),
    Kind("noise", "social_security", "mass_incident", ("噪音", "扰民", "太吵", "吵死", "吵得")),
)

# Kinds that stand side by side in one account of one event (a gas explosion burns; a boat sinks and its crew
# go missing), so their pairing is no contradiction. ``opinion`` (网传, 舆情) is about how an event is talked
# of, never a different event, so it is compatible with every kind.
_COMPATIBLE = (
    "fire explosion",
    "fire leak",
    "explosion leak",
    "fire air_pollution",
    "fire traffic",
    "leak traffic",
    "leak air_pollution",
    "drowning vessel",
    "drowning missing",
    "vessel missing",
    "collapse fall",
    "collapse lift",
    "fall lift",
    "collapse vessel",
    "flood storm",
    "storm utility",
    "flood utility",
    "collapse utility",
    "traffic utility",
    "poisoning infection",
    "poisoning leak",
    "animal infection",
    "heat storm",
    "gathering air_pollution",
    "gathering water_pollution",
    "gathering crowd",
    "gathering noise",
    "crime gathering",
    "traffic drowning",
    "collapse traffic",
    "collapse storm",
    "collapse flood",
    "fall traffic",
    "traffic vessel",
    "missing traffic",
    "leak water_pollution",
    "leak utility",
    "heat poisoning",
    "collapse machinery",
    "machinery traffic",
    "fall machinery",
    "confined poisoning",
    "confined water_pollution",
    "confined drowning",
    "electric utility",
    "electric fire",
    "storm traffic",
    "storm fall",
    "storm lift",
    "earthquake collapse",
    "pest infection",
    "pest animal",
    "flood drowning",
    "lift crowd",
    "gathering traffic",
)
COMPATIBLE: frozenset[frozenset[str]] = frozenset(frozenset(pair.split()) for pair in _COMPATIBLE)
NEUTRAL_KINDS = frozenset({"opinion"})
# Pairs of kinds that are two views of one happening rather than two things that happened together: what an
# onlooker sees and what the authority names it (呕吐 / 诺如病毒, 异味 / 泄漏, 落水 / 翻船, 找不到 / 落水).
VIEWS: frozenset[frozenset[str]] = frozenset(
    frozenset(pair.split())
    for pair in (
        "poisoning infection",
        "animal infection",
        "leak air_pollution",
        "drowning vessel",
        "drowning missing",
        "vessel missing",
        "flood storm",
        "confined poisoning",
        "heat poisoning",
    )
)


def kinds_are_views(a: frozenset[str], b: frozenset[str]) -> bool:
    """Do two reports name different kinds that are views of one happening (``VIEWS``)?"""
    a, b = a - NEUTRAL_KINDS, b - NEUTRAL_KINDS
    return bool(a and b and not (a & b)) and any(frozenset((x, y)) in VIEWS for x in a for y in b)


# An announcement, a drill, an inspection, a forecast or a debunked rumour is about a topic, not an occurrence
# of it: a resident who sees the drill (演习), the inspectors (来检查) or the road closures (管制) writes about
# the same non-event as the unit's notice does.
NOTICE_WORDS: tuple[str, ...] = (
    "演练",
    "演习",
    "公告",
    "通告",
    "培训",
    "宣传",
    "检验",
    "年检",
    "体检",
    "隐患排查",
    "巡逻",
    "专项",
    "听证",
    "预警",
    "安全提示",
    "安全教育",
    "整治",
    "查处",
    "夜查",
    "改造",
    "交通管制",
    "禁烧",
    "召开",
    "计划停",
    "计划检修",
    "辟谣",
    "谣言",
    "不实",
    "是假的",
    "旧闻",
    "旧视频",
    "防范",
    "座谈会",
    "工作方案",
)
# Words that are a notice only in a notice's phrasing: 关于…的通知 / 通知来了, not 已通知环保部门 or 学校通知
# 去医院; 预计未来6小时 (a forecast), not 预计晚上恢复 (a real outage's press line); 会议 held, not 会议室.
_NOTICE_PHRASES = re.compile(
    r"检查(?!井)|的通知|通知[：:]|(?:停水|停电|停气)通知|通知来了|发布[^，。]{0,12}通知|预计(?:未来|今天|明天|今夜|后天)|会议(?!室)"
)

# How people pass a notice on in their own words: a rule (不许, 不让, 禁止), advice (记得, 提前, 建议), a warning
# of what is coming (要来了, 下周), an inspection seen from below (来查, 迎检, 劝导), a screening or a rumour
# asked about (真的假的, 都在传). A post in these words may be about the notice a unit issued, so one text being
# a notice and the other not says less when the other talks so (``is_advisory``). Never marks a notice itself.
_ADVISORY = re.compile(
    r"不许|不让|不准|禁止|严禁|记得|提前|建议|要来了|注意了|提醒|下周|下个月|迎检|来查|在查|查车|劝导|整改"
    r"|真的假的|真的吗|都在传|都在转|群里|筛查|公布|出来了|月报|新装|装了|预计|(?<!消)防(?:蚊|撞|溺水|暑|盗|诈|骗|范)"
)


def is_advisory(text: str) -> bool:
    """Does ``text`` talk the way people pass a notice, a campaign or a forecast on (see ``_ADVISORY``)?"""
    return _ADVISORY.search(normalize(text)) is not None


# Synonym families folded to one written form before character bigrams are compared. Longest match wins,
# so 液化气罐 is folded as a whole before 液化气 would be.
_CANON: dict[str, tuple[str, ...]] = {
    "起火": ("着火", "失火", "著火", "烧起来", "燃起来", "火灾", "火警", "冒火", "烧着"),
    "燃气": ("煤气", "液化气", "天然气", "然气", "燃汽", "液化石油气", "液化气罐", "煤气罐", "液化气钢瓶", "钢瓶"),
    "爆炸": ("炸了", "爆燃", "闪爆", "炸开"),
    "泄漏": ("泄露", "洩漏", "漏气", "漏了", "外泄", "渗漏", "漏出", "往外漏", "漏东西"),
    "相撞": (
        "撞车",
        "撞了",
        "撞一起",
        "碰撞",
        "追尾",
        "撞上",
        "撞到",
        "撞倒",
        "撞飞",
        "撞击",
        "相碰",
        "刮擦",
        "剐蹭",
        "碰擦",
        "擦碰",
        "撞",
    ),
    "侧翻": ("翻车", "翻了"),
    "坍塌": ("倒塌", "垮塌", "塌方", "塌了", "倒了", "倾覆", "塌下来", "垮了"),
    "落水": ("溺水", "掉河里", "掉下去", "掉水里", "掉进河", "坠河", "跌入河"),
    "走失": ("走丢", "不见了", "走散", "找不到", "失联"),
    "讨薪": ("要工资", "要工钱", "讨要欠薪", "欠薪", "拖欠工资", "讨工资", "讨要工资"),
    "腹泻": ("拉肚子", "上吐下泻"),
    "发热": ("发烧",),
    "商铺": ("商店", "店铺", "门店", "铺子"),
    "沉没": ("沉了", "翻沉", "沉船"),
    "死鱼": ("鱼全死了", "鱼死了", "鱼都死了", "死了好多鱼", "死了很多鱼"),
    "尸体": ("浮尸", "遗体"),
    "坠落": ("下坠", "摔下来", "掉下来"),
    "停电": ("没电", "断电", "没有电"),
    "积水": ("内涝", "淹水", "被淹", "淹了", "水漫"),
    "爆管": ("水管爆", "管道破裂", "水管破裂", "爆裂"),
    "饭店": ("餐馆", "饭馆", "餐饮店", "小吃店", "面馆", "餐饮场所", "餐厅"),
    "起重机": ("吊机", "门座式起重机"),
    "儿童": ("小孩", "男童", "女童", "孩子", "小朋友", "男孩", "女孩"),
    "老人": ("老年人", "八旬老人", "老太", "老头"),
    "居民楼": ("民房", "住宅", "楼房", "居民家", "住户"),
    "企业": ("工厂", "厂里", "厂房", "公司", "厂子", "厂家"),
    "工人": ("民工", "农民工", "职工", "员工"),
    "受伤": ("伤了", "轻伤", "重伤", "烧伤", "伤者"),
    "死亡": ("没了", "身亡", "遇难", "丧生", "去世", "不治", "死"),
    "送医": ("送医院", "送往医院", "120"),
    "消防": ("119", "消防车", "消防员", "消防队"),
    "警方": ("民警", "警察", "110", "公安", "派出所"),
    "货车": ("大货车", "卡车", "渣土车", "半挂车"),
    "电动车": ("电瓶车", "电动自行车", "电驴"),
    "轿车": ("小车", "小汽车", "私家车"),
    # a person who faints or slips has not "fallen down" like a wall (倒了 → 坍塌)
    "晕倒": ("晕倒了", "昏倒", "昏倒了", "晕过去", "昏过去"),
    "摔倒": ("摔倒了", "跌倒", "跌倒了", "滑倒", "滑倒了"),
}

# Where it happened, by the kind of place: a gas leak in a restaurant and a leak at a chemical plant of one
# town are two events, however alike the words; so are a house fire and a haystack fire in one village. Two
# reports that both name a kind of site and share none are seldom one event (``sites_of``).
SITES: dict[str, tuple[str, ...]] = {
    "home": ("居民楼", "民房", "住宅", "楼房", "住户", "平房", "家中", "楼道", "居民家", "小区", "自建房"),
    "eatery": ("饭店", "餐馆", "饭馆", "餐厅", "烧烤店", "小吃店", "面馆", "火锅店", "后厨"),
    "nightlife": ("ktv", "酒吧", "娱乐场所", "网吧", "夜总会"),
    "plant": ("企业", "厂", "车间", "储罐"),
    "school": ("学校", "小学", "中学", "幼儿园", "学生", "校园", "高中", "初中"),
    "care_home": ("养老院", "敬老院", "福利院", "护理院"),
    "field": ("农田", "稻草", "田里", "田头", "秸秆", "麦田", "稻田", "草垛", "草堆"),
    "building_site": ("工地", "在建", "脚手架", "基坑", "塔吊"),
    "market": ("菜场", "菜市场", "商场", "超市", "农贸市场", "商铺"),
}

_FIGURE = re.compile(r"([0-9]+|[一二三四五六七八九十百两几]+)(?:个|名|位)?(?=人)")
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def chinese_number(text: str) -> int | None:
    """二十三 → 23, 两 → 2, 十 → 10; ``None`` for what is not a plain figure (几, 百余)."""
    if text.isdigit():
        return int(text)
    if not text or any(c not in _CN_DIGITS and c != "十" for c in text):
        return None
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return _CN_DIGITS[text] if len(text) == 1 else None


def figures(text: str) -> str:
    """Figures of people written one way: 两人, 两个人, 二人, 2名 → 2人 (the press writes digits, residents don't)."""

    def one(match: re.Match[str]) -> str:
        number = chinese_number(match.group(1))
        return f"{number}" if number is not None else match.group(1)

    return _FIGURE.sub(one, text)


@lru_cache(maxsize=1)
def _canon_automaton() -> tuple[ahocorasick_rs.AhoCorasick, list[str]]:
    surfaces: list[str] = []
    targets: list[str] = []
    for target, words in _CANON.items():
        for word in (target, *words):  # the target itself too, so 相撞 is not read as 相 + 撞
            surfaces.append(word)
            targets.append(target)
    return ahocorasick_rs.AhoCorasick(surfaces, matchkind=ahocorasick_rs.MATCHKIND_LEFTMOST_LONGEST), targets


# Who passed the report on, not what happened: 【太仓发布】, 网格员报：, 热线来电：, 110转来：, 来电人称.
_SOURCE = re.compile(
    r"【[^】]{0,10}】|^[^，。：:]{0,10}?(?:报|来电|转来|通报|反映)[：:]|来电人?称|群众来电|网友称|据悉|记者"
)


def canonical(text: str) -> str:
    """Normalised text without its source line, figures written as digits, each synonym family one way."""
    folded = figures(_SOURCE.sub(" ", normalize(text).strip()))
    automaton, targets = _canon_automaton()
    out: list[str] = []
    last = 0
    for index, start, end in automaton.find_matches_as_indexes(folded):
        out.append(folded[last:start])
        out.append(targets[index])
        last = end
    out.append(folded[last:])
    return "".join(out)


@lru_cache(maxsize=1)
def _kind_automaton() -> tuple[ahocorasick_rs.AhoCorasick, list[tuple[Kind, bool]]]:
    surfaces: list[str] = []
    owners: list[tuple[Kind, bool]] = []
    for kind in KINDS:
        for words, is_event in ((kind.words, True), (kind.cues, False)):
            for word in words:
                surfaces.append(word)
                owners.append((kind, is_event))
    return ahocorasick_rs.AhoCorasick(surfaces), owners


def kind_hits(text: str) -> list[tuple[Kind, str, bool]]:
    """Every (kind, word, says-it-happened) in the normalised ``text``, in order of appearance. A word inside a
    longer one is the longer one's: 淹死 is a drowning, not also a flood (淹)."""
    automaton, owners = _kind_automaton()
    spans = automaton.find_matches_as_indexes(text, overlapping=True)
    return [
        (owners[i][0], text[s:e], owners[i][1])
        for i, s, e in spans
        if not any(s2 <= s and e <= e2 and e2 - s2 > e - s for _, s2, e2 in spans)
    ]


def kinds_of(text: str) -> frozenset[str]:
    """The kinds of event ``text`` says happened (cues alone name none)."""
    return frozenset(kind.code for kind, _, is_event in kind_hits(normalize(text)) if is_event)


def is_notice(text: str) -> bool:
    folded = normalize(text)
    return any(word in folded for word in NOTICE_WORDS) or _NOTICE_PHRASES.search(folded) is not None


DRILL_WORDS = ("演练", "演习", "模拟")


def is_drill(text: str) -> bool:
    """A drill or exercise: 演练, 演习, 模拟 (a strong, unmistakable kind of notice)."""
    folded = normalize(text)
    return any(word in folded for word in DRILL_WORDS)


def kinds_compatible(a: frozenset[str], b: frozenset[str]) -> bool:
    """Could two reports naming these kinds describe one event? Unknown on either side: yes."""
    a, b = a - NEUTRAL_KINDS, b - NEUTRAL_KINDS
    if not a or not b or a & b:
        return True
    return any(frozenset((x, y)) in COMPATIBLE for x in a for y in b)


@lru_cache(maxsize=1)
def event_words() -> frozenset[str]:
    """Every word of the lexicon in its canonical form: a hot word may be one of these."""
    return frozenset(word for kind in KINDS for word in (*kind.words, *kind.cues)) | frozenset(_CANON)


@lru_cache(maxsize=1)
def _synonyms() -> dict[str, str]:
    return {word: target for target, words in _CANON.items() for word in words if len(word) >= 2}


def synonym_of(word: str) -> str:
    """One word written as its synonym family's form (着火 → 起火); any other word unchanged."""
    return _synonyms().get(word, word)


@lru_cache(maxsize=1)
def _word_automaton() -> tuple[ahocorasick_rs.AhoCorasick, list[str]]:
    words = sorted({w for w in event_words() | frozenset(_synonyms()) if len(w) >= 2 and not w.isascii()})
    return ahocorasick_rs.AhoCorasick(words, matchkind=ahocorasick_rs.MATCHKIND_LEFTMOST_LONGEST), words


def word_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, word as its synonym family writes it) for each lexicon word in a normalised ``text``:
    the lexicon knows words a general dictionary splits (吊机, 电瓶车)."""
    automaton, words = _word_automaton()
    return [(s, e, synonym_of(words[i])) for i, s, e in automaton.find_matches_as_indexes(text)]


@lru_cache(maxsize=1)
def _site_automaton() -> tuple[ahocorasick_rs.AhoCorasick, list[str]]:
    surfaces: list[str] = []
    owners: list[str] = []
    for site, words in SITES.items():
        surfaces += words
        owners += [site] * len(words)
    return ahocorasick_rs.AhoCorasick(surfaces), owners


def sites_of(text: str) -> frozenset[str]:
    """The kinds of place (``SITES``) a normalised ``text`` names."""
    automaton, owners = _site_automaton()
    return frozenset(owners[i] for i, _, _ in automaton.find_matches_as_indexes(text, overlapping=True))

"""Suggest an incident category from a lead's words, for the prefilled incident form.

A small keyword lexicon, checked in order: the more specific kinds of event first, so that a gas explosion at
a market is an accident (事故灾难), never a matter of public order (社会安全事件) because a crowd was there.
The duty officer always corrects the suggestion before the incident is created.
"""

from __future__ import annotations

# (category code of the rulebook, words that point to it), most specific first
LEXICON: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("accident", ("爆炸", "燃气", "煤气", "火灾", "着火", "起火", "失火", "冒烟", "事故", "车祸", "相撞", "追尾",
                  "侧翻", "坍塌", "倒塌", "泄漏", "危化", "触电", "溺水", "中毒窒息", "沉船", "停电")),
    ("natural", ("台风", "暴雨", "洪水", "内涝", "积水", "地震", "冰雹", "龙卷风", "大风", "寒潮", "高温",
                 "雷击", "滑坡", "风暴潮")),
    ("public_health", ("食物中毒", "传染", "疫情", "发热", "腹泻", "疫苗", "病例", "中毒")),
    ("social_security", ("聚集", "上访", "群体", "斗殴", "打架", "持刀", "抢劫", "恐怖", "游行", "堵路",
                         "讨薪", "拉横幅", "网传", "谣言")),
)


def suggest_category(text: str) -> str | None:
    """The rulebook category code the lead's words suggest, or None when no word points anywhere."""
    for category, words in LEXICON:
        if any(word in text for word in words):
            return category
    return None

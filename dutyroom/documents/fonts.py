"""Font choices of GB/T 9704 with fallbacks that still render Chinese where the official fonts are missing.

The standard asks for 仿宋 body text, 小标宋 titles and 黑体 first-level headings. Government PCs have them;
a Linux server usually has only Noto CJK (Debian's ``fonts-noto-cjk``), which the lists fall back to.
"""

from __future__ import annotations

BODY = ["仿宋_GB2312", "仿宋", "FangSong", "STFangsong", "Noto Serif CJK SC", "Noto Sans CJK SC"]
TITLE = ["方正小标宋简体", "FZXiaoBiaoSong-B05S", "华文中宋", "STZhongsong", "Noto Serif CJK SC", "Noto Sans CJK SC"]
HEADING = ["黑体", "SimHei", "STHeiti", "Noto Sans CJK SC", "Noto Serif CJK SC"]

# Sizes in points (字号): 初号 42, 小初 36, 二号 22, 三号 16, 四号 14, 五号 10.5
MASTHEAD_PT = 36
TITLE_PT = 22
BODY_PT = 16
TABLE_PT = 10.5
FOOTER_PT = 14
# 22 lines a page on a 225 mm body height: 225 / 22 mm per line
LINE_PT = 28.95
RED = "C00000"


def css_family(names: list[str]) -> str:
    return ", ".join(f'"{name}"' for name in names) + ", serif"

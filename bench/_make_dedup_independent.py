"""Build the independent evaluation files from the hand-written texts in ``bench/data/dedup_independent.txt``.

The texts were written by hand, grouped by event and by family (events that look alike); this script only
pairs them, so re-running it gives the same files. Held out: every family whose number is 2 or 4 modulo 5
(14 of 35 families, 40 %), fixed before the matcher was measured or tuned. A whole family is held out, so the
places and events of a held-out pair never appear in the tuning part.

Writes ``bench/data/dedup_independent.jsonl`` (fields a, b, same, split, kind, family) and
``bench/data/category_leads.jsonl`` (fields text, category, split).
"""

from __future__ import annotations

import itertools
import json
import random
import re
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def _parse() -> list[tuple[str, list[tuple[str, str, int, list[str]]]]]:
    families: list[tuple[str, list[tuple[str, str, int, list[str]]]]] = []
    for raw in (DATA / "dedup_independent.txt").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("# "):
            continue
        if line.startswith("## "):
            families.append((line.split()[1], []))
        elif line.startswith("== "):
            event, category, at = line[3:].split()
            families[-1][1].append((event, category, int(at.lstrip("@")), []))
        else:
            families[-1][1][-1][3].append(line)
    return families


def _item(text: str, minutes: int) -> dict[str, object]:
    title = re.split(r"[，。！？,!?：:；;]", text.removeprefix("【").split("】")[-1])[0][:24]
    return {"title": title, "text": text, "minutes": minutes}


def split_of(family: str) -> str:
    return "heldout" if int(family.lstrip("f")) % 5 in (2, 4) else "tune"


def build() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    families = _parse()
    rng = random.Random(21)
    pairs: list[dict[str, object]] = []
    leads: list[dict[str, object]] = []
    items = {
        (f, e): [_item(t, at + 9 * i) for i, t in enumerate(texts)]
        for f, events in families
        for e, _, at, texts in events
    }
    for family, events in families:
        split = split_of(family)
        for event, category, _, texts in events:
            leads += [{"text": t, "category": category, "split": split, "family": family} for t in texts]
            for a, b in itertools.combinations(items[family, event], 2):
                pairs.append({"a": a, "b": b, "same": True, "split": split, "kind": "same event", "family": family})
        for (e1, *_), (e2, *_) in itertools.combinations(events, 2):
            cross = list(itertools.product(items[family, e1], items[family, e2]))
            for a, b in rng.sample(cross, min(len(cross), 6 if e1.endswith("a") else 3)):
                pairs.append({"a": a, "b": b, "same": False, "split": split, "kind": "hard negative", "family": family})
        others = [k for k in items if k[0] != family and split_of(k[0]) == split]
        for _ in range(2):
            a = rng.choice(items[family, events[0][0]])
            b = rng.choice(items[rng.choice(others)])
            pairs.append({"a": a, "b": b, "same": False, "split": split, "kind": "unrelated", "family": family})
    for p in pairs[::2]:  # both orders appear: a matcher must not depend on which lead came first
        p["a"], p["b"] = p["b"], p["a"]
    return pairs, leads


def main() -> None:
    pairs, leads = build()
    with (DATA / "dedup_independent.jsonl").open("w", encoding="utf-8") as out:
        out.writelines(json.dumps(p, ensure_ascii=False) + "\n" for p in pairs)
    with (DATA / "category_leads.jsonl").open("w", encoding="utf-8") as out:
        out.writelines(json.dumps(x, ensure_ascii=False) + "\n" for x in leads)
    held = sum(p["split"] == "heldout" for p in pairs)
    print(f"{len(pairs)} pairs ({sum(bool(p['same']) for p in pairs)} duplicates), {held} held out; {len(leads)} leads")


if __name__ == "__main__":
    main()

"""Build the blind evaluation files from the hand-written texts in ``bench/data/dedup_blind.txt`` and, when they
are there, ``bench/data/dedup_blind2.txt`` to ``dedup_blind5.txt``.

Each set was written by a separate helper who read only the demo installation's units and the rulebook's
category ids, never the matcher, its lexicon, its places file or the other sets (``dedup_blind.README.md``).
This script only pairs the texts, so re-running it gives the same files.

- **First set** (b01–b84): the split was fixed before anyone measured the matcher on it: held out = the
  even-numbered families, tuning = the odd. Its held-out half was measured once; since then the whole set is
  tuning data, but the split is kept in the file as it was made.
- **Second, third and fourth sets** (c01…, d01…, e01…): each held out whole until it was measured once; since a
  newer set exists they are tuning data, whole (``split`` is ``"tune"`` on every pair and lead).
- **Fifth set** (g01…): held out whole (``split`` is ``"heldout"`` on every pair and lead). Nothing tunes on it,
  nobody reads it; ``make bench ONLY=leads`` measures it once.

Pairs, within a family only (as the file says): every two texts of one event are a duplicate; texts of two
events of the family are a hard negative (up to 6 pairs per event pair, 3 when neither is the family's first
event); two "unrelated" pairs per family with another family of the same split. Every other pair is stored
in the opposite order, so the matcher is checked in both directions.

Writes ``bench/data/dedup_blind.jsonl`` (fields a, b with title, text and minutes; same, split, kind,
family) and ``bench/data/category_blind.jsonl`` (fields text, category, split, family), and the same with
``2`` to ``5`` for the later sets. Prints counts only, never a text.
"""

from __future__ import annotations

import itertools
import json
import random
import re
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
Event = tuple[str, str, int, list[str]]


def parse(source: Path) -> list[tuple[str, list[Event]]]:
    """(family, [(event, category, minute, texts)]) in file order."""
    families: list[tuple[str, list[Event]]] = []
    for raw in source.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or (line.startswith("#") and not line.startswith("## ")):
            continue
        if line.startswith("## "):
            families.append((line.split()[1], []))
        elif line.startswith("== "):
            event, category, at = line[3:].split()[:3]
            families[-1][1].append((event, category, int(at.lstrip("@")), []))
        else:
            families[-1][1][-1][3].append(line)
    return families


def split_of(family: str, role: str = "halves") -> str:
    """The split a family's pairs and leads carry. ``halves`` (first set, fixed before measuring): the
    even-numbered families are held out. ``tune``: a whole set that has been measured and is tuning data now.
    ``heldout``: a whole set that is held out."""
    if role != "halves":
        return role
    return "heldout" if int(family.lstrip("b")) % 2 == 0 else "tune"


# (texts, pairs written, leads written, seed of the sampling, split of its families). The split goes by the
# file, not by the family's letter: a new writer may name families any way.
SETS = (
    ("dedup_blind.txt", "dedup_blind.jsonl", "category_blind.jsonl", 84, "halves"),
    ("dedup_blind2.txt", "dedup_blind2.jsonl", "category_blind2.jsonl", 2, "tune"),
    ("dedup_blind3.txt", "dedup_blind3.jsonl", "category_blind3.jsonl", 3, "tune"),
    ("dedup_blind4.txt", "dedup_blind4.jsonl", "category_blind4.jsonl", 4, "tune"),
    ("dedup_blind5.txt", "dedup_blind5.jsonl", "category_blind5.jsonl", 5, "heldout"),
)


def _item(text: str, minutes: int) -> dict[str, object]:
    title = re.split(r"[，。！？,!?：:；;]", text.removeprefix("【").split("】")[-1])[0][:24]
    return {"title": title, "text": text, "minutes": minutes}


def build(
    source: Path, seed: int = 84, role: str = "halves"
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    families = parse(source)
    rng = random.Random(seed)
    pairs: list[dict[str, object]] = []
    leads: list[dict[str, object]] = []
    items = {
        (f, e): [_item(t, at + 7 * i) for i, t in enumerate(texts)]  # one event's posts, minutes apart
        for f, events in families
        for e, _, at, texts in events
    }
    for family, events in families:
        split = split_of(family, role)
        for event, category, _, texts in events:
            leads += [{"text": t, "category": category, "split": split, "family": family} for t in texts]
            for a, b in itertools.combinations(items[family, event], 2):
                pairs.append({"a": a, "b": b, "same": True, "split": split, "kind": "same event", "family": family})
        for (e1, *_), (e2, *_) in itertools.combinations(events, 2):
            cross = list(itertools.product(items[family, e1], items[family, e2]))
            for a, b in rng.sample(cross, min(len(cross), 6 if e1 == events[0][0] else 3)):
                pairs.append({"a": a, "b": b, "same": False, "split": split, "kind": "hard negative", "family": family})
        others = [k for k in items if k[0] != family and split_of(k[0], role) == split]
        for _ in range(2):
            a = rng.choice(items[family, events[0][0]])
            b = rng.choice(items[rng.choice(others)])
            pairs.append({"a": a, "b": b, "same": False, "split": split, "kind": "unrelated", "family": family})
    for p in pairs[::2]:  # both orders appear: a matcher must not depend on which lead came first
        p["a"], p["b"] = p["b"], p["a"]
    return pairs, leads


def main(data: Path = DATA) -> None:
    for texts, pairs_file, leads_file, seed, role in SETS:
        if not (data / texts).exists():
            print(f"{texts}: not there, skipped")
            continue
        pairs, leads = build(data / texts, seed, role)
        with (data / pairs_file).open("w", encoding="utf-8") as out:
            out.writelines(json.dumps(p, ensure_ascii=False) + "\n" for p in pairs)
        with (data / leads_file).open("w", encoding="utf-8") as out:
            out.writelines(json.dumps(x, ensure_ascii=False) + "\n" for x in leads)
        for split in ("tune", "heldout"):
            part = [p for p in pairs if p["split"] == split]
            if part:
                print(
                    f"{texts} {split}: {len(part)} pairs ({sum(bool(p['same']) for p in part)} duplicates), "
                    f"{sum(x['split'] == split for x in leads)} leads, "
                    f"{len({p['family'] for p in part})} families"
                )


if __name__ == "__main__":
    import sys

    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DATA)  # another directory: for trying it on a made-up file

"""`make structure`: how many pairs of top-level packages in ``dutyroom`` reach each other (goal 0).

The measure of the layering: build the import graph with grimp and, for every pair of top-level packages, look for
a chain of imports each way (``find_shortest_chain(..., as_packages=True)``). A pair with chains both ways is a
cycle: neither package can be understood, tested or moved without the other. Prints each such pair with one
chain per direction, then the count; exits 1 when there is any.
"""

from __future__ import annotations

import itertools
import sys

import grimp


def top_level_packages(graph: grimp.ImportGraph, root: str) -> list[str]:
    return sorted(m for m in graph.find_children(root) if graph.find_children(m) or m.count(".") == 1)


def cyclic_pairs(root: str = "dutyroom") -> list[tuple[str, str, tuple[str, ...], tuple[str, ...]]]:
    graph = grimp.build_graph(root)
    found = []
    for a, b in itertools.combinations(top_level_packages(graph, root), 2):
        there = graph.find_shortest_chain(importer=a, imported=b, as_packages=True)
        back = graph.find_shortest_chain(importer=b, imported=a, as_packages=True)
        if there and back:
            found.append((a, b, there, back))
    return found


def main() -> int:
    pairs = cyclic_pairs()
    for a, b, there, back in pairs:
        print(f"{a} <-> {b}\n    {' -> '.join(there)}\n    {' -> '.join(back)}")
    print(f"cyclic package pairs in dutyroom: {len(pairs)}")
    return 1 if pairs else 0


if __name__ == "__main__":
    sys.exit(main())

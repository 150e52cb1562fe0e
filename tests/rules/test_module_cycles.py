"""The rules core reads bottom-up: no module of it imports, through any chain, a module that imports it back.

A circle of imports (as the rulebook checker, the model and the alert vocabulary once formed) means none of its
modules can be read, tested or moved without the others, and it breaks as soon as one import runs at load time.
"""

from __future__ import annotations

import itertools

import grimp


def test_no_two_modules_of_the_rules_core_import_each_other() -> None:
    graph = grimp.build_graph("dutyroom")
    modules = sorted(m for m in graph.find_descendants("dutyroom.rules"))
    circles = [
        (a, b)
        for a, b in itertools.combinations(modules, 2)
        if graph.find_shortest_chain(importer=a, imported=b) and graph.find_shortest_chain(importer=b, imported=a)
    ]
    assert circles == []

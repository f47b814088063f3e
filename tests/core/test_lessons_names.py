"""Lesson files refer to nodes by name (part_3, v1·v2, y'); ids and labels one node has
are still accepted; an unknown name is one line naming the file, the stop and the name."""

from __future__ import annotations

import pytest

from core.lessons import LessonError, node_id, parse_lesson
from core.presets import resolve_graph


@pytest.fixture(scope="module")
def seed():
    return resolve_graph("seed")[0]


@pytest.mark.parametrize(("reference", "expected"), [
    ("part_3", "sigmoid1"), ("v1·v2", "mul7"), ("part_3·w9", "mul8"), ("#4", "mul3"),
    ("y'", "y_pred"), ("L", "loss"), ("w9", "w9"),
    ("mul8", "mul8"), ("sigmoid1", "sigmoid1"),  # ids
    ("σ", "sigmoid1"), ("exp", "exp1"),  # labels only one node has
])
def test_a_node_is_found_by_name_id_or_unique_label(seed, reference, expected):
    assert node_id(seed, reference, "mine.json: stop 2") == expected


def test_an_unknown_name_names_the_file_the_stop_and_the_name(seed):
    with pytest.raises(LessonError) as caught:
        node_id(seed, "part_9", "mine.json: stop 2")
    message = str(caught.value)
    assert message.startswith("mine.json: stop 2: the graph has no node named 'part_9'")
    assert "\n" not in message and "part_3" in message


def test_a_symbol_many_nodes_share_asks_for_a_name(seed):
    with pytest.raises(LessonError, match=r"stop 2: '×' is the symbol of 8 nodes; name one "
                                          r"of them \(w1·x1, w2·x2, #4, w3·x3, …\)"):
        node_id(seed, "×", "mine.json: stop 2")


def lesson(**stop):
    return {"title": "t", "graph": "seed",
            "stops": [{"caption": "first"}, {"caption": "second", **stop}]}


@pytest.mark.parametrize("stop", [
    {"spotlight": ["part_3", "nope"]},
    {"hide": {"node": "nope", "number": "grad"}},
    {"view": {"nodes": ["y'", "nope"]}},
])
def test_a_stop_on_a_preset_has_its_names_checked_on_loading(stop):
    with pytest.raises(LessonError, match=r"^mine\.json: stop 2: the graph has no node "
                                          r"named 'nope'"):
        parse_lesson(lesson(**stop), "mine.json")


def test_names_ids_and_labels_load_and_a_formula_stop_waits_for_its_data():
    parsed = parse_lesson(lesson(spotlight=["part_3", "mul8", "σ"],
                                 view={"nodes": ["v1·v2", "y'"]}), "mine.json")
    assert parsed.stops[1].spotlight == ("part_3", "mul8", "σ")
    # A formula's graph needs its data's columns: its names are checked when shown.
    on_formula = {"title": "t", "stops": [{"caption": "a", "graph": "a*height + b",
                                           "spotlight": ["a·height"]}]}
    assert parse_lesson(on_formula).stops[0].spotlight == ("a·height",)

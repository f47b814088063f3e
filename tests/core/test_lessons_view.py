"""A lesson stop's own view, and the lengths a caption and a question may have."""

from __future__ import annotations

import pytest

from core.lessons import (
    MAX_CAPTION_CHARS,
    MAX_QUESTION_CHARS,
    MAX_TITLE_CHARS,
    MAX_VIEW_NODES,
    LessonError,
    load_lesson,
    parse_lesson,
)
from core.presets import resolve_graph


def lesson(**stop):
    return {"title": "t", "stops": [{"caption": "first"}, {"caption": "a", **stop}]}


def test_a_view_names_nodes_by_id_or_label():
    parsed = parse_lesson(lesson(view={"nodes": ["w9", "mul8", "y'"]}))
    assert parsed.stops[1].view == ("w9", "mul8", "y'")
    assert parsed.stops[0].view == ()


@pytest.mark.parametrize(("view", "words"), [
    (["w9"], "\"view\" must be {\"nodes\": [node, ...]}"),
    ({"node": ["w9"]}, "\"view\" must be {\"nodes\""),
    ({"nodes": ["w9"], "zoom": 2}, "\"view\" must be {\"nodes\""),
    ({"nodes": []}, "view \"nodes\" must be a non-empty list"),
    ({"nodes": "w9"}, "view \"nodes\" must be a non-empty list"),
    ({"nodes": ["w9", 3]}, "view \"nodes\" must be a non-empty list"),
    ({"nodes": ["w9", "  "]}, "view \"nodes\" must be a non-empty list"),
    ({"nodes": ["w9"] * (MAX_VIEW_NODES + 1)}, f"at most {MAX_VIEW_NODES}"),
])
def test_a_malformed_view_says_which_stop_and_what(view, words):
    with pytest.raises(LessonError) as caught:
        parse_lesson(lesson(view=view), "mine.json")
    message = str(caught.value)
    assert message.startswith("mine.json: stop 2: ")
    assert words in message and "\n" not in message


@pytest.mark.parametrize(("data", "where", "limit"), [
    (lesson(caption="x" * (MAX_CAPTION_CHARS + 1)), "stop 2: \"caption\"", MAX_CAPTION_CHARS),
    (lesson(hide={"node": "w9", "question": "?" * (MAX_QUESTION_CHARS + 1)}),
     "stop 2: hide: \"question\"", MAX_QUESTION_CHARS),
    ({"title": "t" * (MAX_TITLE_CHARS + 1), "stops": [{"caption": "a"}]}, "\"title\"",
     MAX_TITLE_CHARS),
])
def test_too_long_a_text_is_refused_naming_the_stop_and_the_limit(data, where, limit):
    with pytest.raises(LessonError) as caught:
        parse_lesson(data, "long.json")
    message = str(caught.value)
    assert message.startswith("long.json: ") and where in message
    assert f"at most {limit}" in message and str(limit + 1) in message
    assert "\n" not in message


def test_a_hundred_kilobyte_caption_is_refused_before_anything_shows_it():
    with pytest.raises(LessonError, match="stop 2: \"caption\" is 102400 characters"):
        parse_lesson(lesson(caption="x" * 102400), "huge.json")


def test_texts_at_the_limit_are_accepted():
    parsed = parse_lesson(lesson(caption="x" * MAX_CAPTION_CHARS,
                                 hide={"node": "w9", "question": "?" * MAX_QUESTION_CHARS}))
    assert len(parsed.stops[1].caption) == MAX_CAPTION_CHARS


def test_the_seed_lesson_sets_views_on_nodes_of_its_graph():
    seed = load_lesson("seed")
    graph = resolve_graph("seed")[0]
    names = set(graph.names().values())
    viewed = [stop for stop in seed.stops if stop.view]
    assert len(viewed) >= 2
    for stop in viewed:
        # The shipped lesson calls nodes by their names, as the stepper does.
        assert set(stop.view) <= names, stop.view
    for stop in seed.stops:
        assert set(stop.node_references()) <= names, stop.node_references()

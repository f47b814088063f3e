"""Lesson files: the shipped one loads; malformed ones get one clear line."""

from __future__ import annotations

import json

import pytest

from core.lessons import LessonError, load_lesson, parse_lesson, shipped_lessons
from core.training.optimizers import OPTIMIZERS


def test_the_seed_lesson_is_shipped_and_valid():
    assert "seed" in shipped_lessons()
    lesson = load_lesson("seed", optimizers=list(OPTIMIZERS))
    assert len(lesson.stops) >= 8
    assert all(stop.caption for stop in lesson.stops)
    phases = {stop.stepper.phase for stop in lesson.stops if stop.stepper}
    assert {"forward", "backward"} <= phases
    assert any(stop.hide for stop in lesson.stops)
    assert any(stop.gradient_check for stop in lesson.stops)
    assert any(set(stop.compare) == {"sgd", "momentum", "adam"} for stop in lesson.stops)


@pytest.mark.parametrize(("data", "words"), [
    ([], "JSON object"),
    ({"title": "t"}, "\"stops\" must be a non-empty list"),
    ({"title": "t", "stops": []}, "non-empty list"),
    ({"stops": [{"caption": "a"}]}, "\"title\" is missing"),
    ({"title": "t", "stops": [{"caption": ""}]}, "stop 1: \"caption\""),
    ({"title": "t", "stops": [{"caption": "a"}, {"caption": "b", "step": 3}]},
     "stop 2: unknown key 'step'"),
    ({"title": "t", "stops": [{"caption": "a", "steps": -1}]}, "\"steps\""),
    ({"title": "t", "stops": [{"caption": "a", "steps": True}]}, "\"steps\""),
    ({"title": "t", "stops": [{"caption": "a", "optimizer": "lion"}]}, "unknown optimizer"),
    ({"title": "t", "stops": [{"caption": "a", "plot": "pie"}]}, "\"plot\""),
    ({"title": "t", "stops": [{"caption": "a", "stepper": {"phase": "sideways"}}]},
     "stepper phase"),
    ({"title": "t", "stops": [{"caption": "a", "stepper": 3}]}, "\"stepper\""),
    ({"title": "t", "stops": [{"caption": "a", "hide": {"node": "w9", "number": "x"}}]},
     "hide \"number\""),
    ({"title": "t", "stops": [{"caption": "a", "spotlight": "w9"}]}, "list of names"),
    ({"title": "t", "version": 7, "stops": [{"caption": "a"}]}, "version 7"),
])
def test_malformed_lessons_say_what_is_wrong(data, words):
    with pytest.raises(LessonError) as caught:
        parse_lesson(data, "mine.json", optimizers=list(OPTIMIZERS))
    message = str(caught.value)
    assert words in message and "mine.json" in message and "\n" not in message


def test_unreadable_files(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{\"title\": \"t\", \"stops\": [", encoding="utf-8")
    with pytest.raises(LessonError, match=r"bad.json: not valid JSON \(line 1"):
        load_lesson(str(bad))
    binary = tmp_path / "bin.json"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(LessonError, match="not UTF-8"):
        load_lesson(str(binary))
    with pytest.raises(LessonError, match=r"missing\.json: no such file$"):
        load_lesson(str(tmp_path / "missing.json"))
    with pytest.raises(LessonError, match="no lesson named 'nope'"):
        load_lesson("nope")
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100000 + "]" * 100000, encoding="utf-8")
    with pytest.raises(LessonError):
        load_lesson(str(deep))


def test_a_teachers_file(tmp_path):
    path = tmp_path / "mine.json"
    path.write_text(json.dumps({"title": "Mine", "stops": [
        {"caption": "one", "steps": 3, "spotlight": ["w1"]},
        {"caption": "two", "hide": {"node": "w2", "number": "value"}}]}), encoding="utf-8")
    lesson = load_lesson(str(path))
    assert [s.caption for s in lesson.stops] == ["one", "two"]
    assert lesson.stops[0].graph == "seed" and lesson.stops[0].steps == 3
    assert lesson.stops[1].hide.number == "value"


def test_the_seed_lessons_stepper_stops_show_what_their_captions_say():
    """Each stepper stop of the shipped lesson, played on the first training step of the
    seed graph, lands on the node its caption talks about."""
    from core.debugger.stepper import plan_next_step
    from core.training.config import TrainingConfig
    from core.training.trainer import Trainer

    plan = plan_next_step(Trainer.from_config(TrainingConfig()))
    lesson = load_lesson("seed", optimizers=list(OPTIMIZERS))
    landed = {}
    for number, stop in enumerate(lesson.stops, start=1):
        if stop.stepper is not None:
            span = plan.phase_range(stop.stepper.phase)
            landed[number] = plan.positions[span[stop.stepper.at]]
    # Stop 2 ends the forward pass at y', stop 3 at the loss.
    assert landed[2].node == "y_pred"
    assert landed[3].node == "loss"
    # Stop 5 is the first backward step, at the loss; stop 6 is where w9 receives its
    # gradient through the product σ·w9; stop 7 is the last chain-rule step.
    assert landed[5].node == "loss"
    assert "w9 receives" in lesson.stops[5].caption
    assert landed[6].receiver == "w9"
    assert landed[6].node == landed[6].edge[1]
    assert landed[7].index == plan.phase_range("backward")[-1]


def test_a_lesson_over_its_size_limit_is_refused(tmp_path):
    path = tmp_path / "big.json"
    path.write_text("[" + " " * (1 << 20) + "]", encoding="utf-8")
    with pytest.raises(LessonError, match=r"big\.json: the file is 1,048,578 bytes; lesson "
                                          "files are limited to 1,048,576 bytes"):
        load_lesson(str(path))

"""TrainingConfig.ops and .breaks: file-defined ops embedded so a config (a session, a
preset, a lesson) works without the file, and breaks carried into the graph it builds."""

from __future__ import annotations

import pytest

from core.autodiff import user_ops
from core.autodiff.ops import OPS
from core.lessons import LessonError, load_lesson, parse_lesson
from core.training.config import ConfigError, TrainingConfig
from core.training.trainer import Trainer
from tests.user_ops_cases import LAB, SIGMOID_PLUS, SOFTPLUS2


def test_a_config_with_breaks_builds_a_broken_graph_and_round_trips():
    config = TrainingConfig(graph=LAB, breaks=(SIGMOID_PLUS,), epochs=2)
    graph, _ = config.build_graph()
    assert [graph[n].name for n in graph.breaks] == ["h2"]
    again = TrainingConfig.from_json(config.to_json())
    assert again == config
    assert again.to_dict()["breaks"][0]["derivatives"] == ["out*(1 + out)"]
    assert [graph[n].name for n in again.build_graph()[0].breaks] == ["h2"]


def test_without_ops_or_breaks_the_json_is_as_before():
    values = TrainingConfig().to_dict()
    assert "ops" not in values and "breaks" not in values
    assert TrainingConfig.from_dict(values) == TrainingConfig()


def test_a_broken_run_trains_differently_and_the_same_each_time():
    broken = TrainingConfig(graph=LAB, breaks=(SIGMOID_PLUS,), epochs=1, optimizer="adam")
    right = broken.replace(breaks=())
    runs = []
    for config in (broken, broken, right):
        trainer = Trainer.from_config(config)
        trainer.run(100)
        runs.append(trainer.weights.tolist())
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_a_break_the_graph_cannot_take_is_a_config_error_naming_breaks():
    with pytest.raises(ConfigError, match="the graph has no node named 'h3'") as caught:
        TrainingConfig(graph=LAB, breaks=({**SIGMOID_PLUS, "nodes": ["h3"]},))
    assert caught.value.field == "breaks"
    with pytest.raises(ConfigError, match="there is no op 'frob' to break"):
        TrainingConfig(graph=LAB, breaks=({**SIGMOID_PLUS, "name": "frob"},))


def test_a_config_embeds_the_file_ops_its_formula_calls_and_reopens_without_them():
    user_ops.register([SOFTPLUS2])
    config = TrainingConfig(graph="softplus2(a*x1) + b")
    assert [d["name"] for d in config.ops] == ["softplus2"]
    text = config.to_json()
    user_ops.unregister(["softplus2"])
    assert "softplus2" not in OPS
    again = TrainingConfig.from_json(text)  # the definition comes from the config
    assert "softplus2" in OPS
    assert again == config
    graph, _ = again.build_graph()
    assert any(node.op == "softplus2" for node in graph)


def test_a_config_with_a_wrong_op_is_refused_naming_ops():
    wrong = {**SOFTPLUS2, "derivatives": ["sigmoid(-z)"]}
    with pytest.raises(ConfigError, match="dsoftplus2/dz is wrong") as caught:
        TrainingConfig(graph="softplus2(a*x1) + b", ops=(wrong,))
    assert caught.value.field == "ops"


def test_the_lab_lesson_breaks_h2_and_reveals_it_at_its_last_stop():
    lesson = load_lesson("find-the-bug")
    assert lesson.breaks[0]["nodes"] == ["h2"]
    assert [stop.reveal for stop in lesson.stops] == [False] * 5 + [True]
    assert any(stop.gradient_check for stop in lesson.stops[:-1])
    assert any(stop.stepper is not None for stop in lesson.stops)
    config = TrainingConfig(graph=lesson.stops[0].graph, breaks=lesson.breaks)
    assert config.build_graph()[0].breaks


def test_a_lesson_may_define_ops_its_stops_call():
    lesson = parse_lesson({"title": "ops", "ops": [SOFTPLUS2],
                           "stops": [{"caption": "c", "graph": "softplus2(a*x1) + b"}]})
    assert lesson.ops[0]["name"] == "softplus2"
    assert "softplus2" in OPS


@pytest.mark.parametrize(("change", "words"), [
    ({"break": {**SIGMOID_PLUS, "name": "frob"}}, "lesson: \"break\": entry 1 ('frob')"),
    ({"ops": [{**SOFTPLUS2, "derivatives": ["1"]}]}, "lesson: \"ops\": entry 1"),
    ({"stops": [{"caption": "c", "reveal": "yes"}]}, '"reveal" must be true or false'),
])
def test_a_lesson_with_a_bad_break_ops_or_reveal_is_refused(change, words):
    lesson = {"title": "t", "stops": [{"caption": "c"}], **change}
    with pytest.raises(LessonError) as caught:
        parse_lesson(lesson)
    assert words in str(caught.value)


def test_a_preset_file_may_define_the_ops_its_formula_calls(tmp_path):
    import json

    from core.presets import PresetError, read_preset

    preset = {"format": "backprop-explorer-preset", "version": 1, "name": "smooth",
              "description": "a softplus neuron", "formula": "softplus2(a*x1 + b)",
              "ops": [SOFTPLUS2]}
    path = tmp_path / "smooth.json"
    path.write_text(json.dumps(preset), encoding="utf-8")
    _, loaded = read_preset(path)
    assert any(node.op == "softplus2" for node in loaded.build())
    user_ops.unregister(["softplus2"])
    path.write_text(json.dumps({**preset, "ops": [{**SOFTPLUS2, "derivatives": ["1"]}]}),
                    encoding="utf-8")
    with pytest.raises(PresetError, match=r'smooth\.json: "ops": entry 1 .* is wrong'):
        read_preset(path)

"""Resolving a graph spec against the current data: one result for graph, summary and
warnings; a feature column the data lacks is an error at its place."""

from __future__ import annotations

import pytest

from core.autodiff.formula import FormulaError
from core.data.datasets import builtin_dataset, load_dataset
from core.presets import PRESETS
from core.training.resolution import (
    NO_FEATURES,
    BeyondDataError,
    fits,
    rename,
    resolve_for_data,
    resolve_model,
    same_model,
)
from tests.body_table import body_csv

FORMULA = "tanh(a*height + b*mass + c)"


@pytest.fixture
def body(tmp_path):
    return load_dataset(body_csv(tmp_path))


def test_column_names_are_columns_on_data_that_has_them(body):
    on_builtin = resolve_model(FORMULA, builtin_dataset())
    assert on_builtin.graph.weights == ("a", "b", "c", "height", "mass")
    assert on_builtin.warnings() == (NO_FEATURES,)
    on_body = resolve_model(FORMULA, body)
    assert on_body.graph.weights == ("a", "b", "c")
    assert [on_body.graph[f].column for f in on_body.graph.features] == [0, 1]
    assert on_body.summary() == "3 weights, 2 feature columns; data columns used by name: " \
                                "height, mass"
    assert on_body.warnings() == ()
    assert not same_model(on_builtin.graph, on_body.graph)
    assert same_model(on_body.graph, resolve_for_data(FORMULA, body))


def test_a_typo_of_a_column_is_a_warning(body):
    resolution = resolve_model("tanh(a*heigth + b*Mass + c)", body)
    assert [w.message for w in resolution.name_warnings] == [
        "Mass: did you mean the column mass?", "heigth: did you mean the column height?"]
    assert resolution.warnings(kept={"Mass"}) == (
        "heigth: did you mean the column height?", NO_FEATURES)
    fixed = rename(rename(resolution.spec, "heigth", "height"), "Mass", "mass")
    assert fixed == "tanh(a*height + b*mass + c)"


def test_rename_touches_whole_names_only():
    assert rename("heigth*heigth2 + xheigth + heigth", "heigth", "height") == \
        "height*heigth2 + xheigth + height"


@pytest.mark.parametrize(("spec", "name", "position", "column"), [
    ("x9*a + b", "x9", 0, 1),
    ("  a*x1 + b*x09", "x09", 11, 10),
    ("a*x1 + b*x3 + c*x3", "x3", 9, 10),
])
def test_a_column_the_data_lacks_is_an_error_at_its_place(body, spec, name, position, column):
    with pytest.raises(BeyondDataError) as caught:
        resolve_model(spec, body)
    assert caught.value.name == name
    assert caught.value.position == position
    assert caught.value.column == column
    assert "has 2 feature columns but the graph uses x1.." in caught.value.reason
    assert isinstance(caught.value, FormulaError)


def test_a_data_change_the_formula_does_not_fit_is_a_data_error(body):
    from core.data.datasets import DataError

    mass_target = load_dataset(body.source, target_column=1)  # mass is now the target
    with pytest.raises(DataError, match="the formula does not fit this data: 'mass' is the "
                                        "target column"):
        resolve_for_data(FORMULA, mass_target)


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_resolves_on_its_own_data_without_a_warning(name):
    preset = PRESETS[name]
    resolution = resolve_model(name, preset.dataset())
    assert resolution.preset is preset
    assert resolution.warnings() == ()


def test_the_formulas_own_warnings_are_warnings(body):
    resolution = resolve_model("h = tanh(a*height + b)\nunused = c*mass\nw*h + d", body)
    assert resolution.warnings() == ("line 2, column 1: the step unused is never used",)


def _datasets(tmp_path):
    from core.data.datasets import Dataset

    tables = {
        "body": "height,mass,target\n1,2,3\n2,3,4\n",
        "body_mass_target": "height,target,mass\n1,2,3\n2,3,4\n",
        "swapped": "mass,height,target\n1,2,3\n2,3,4\n",
        "other": "p,q,r\n1,2,3\n2,3,4\n",
        "named_a": "a,height,y\n1,2,3\n2,3,4\n",
        "wide": "height,mass,b,c,target\n1,2,3,4,5\n2,3,4,5,6\n",
    }
    found = [builtin_dataset()]
    for name, text in tables.items():
        path = tmp_path / f"{name}.csv"
        path.write_text(text, encoding="utf-8")
        found.append(load_dataset(path))
    import numpy as np

    found.append(Dataset(np.zeros((2, 1)), np.zeros(2), "one column"))
    return found


FITS_FORMULAS = [FORMULA, "w1*x1 + b", "tanh(a*height + b*x2 + c)", "a*mass + 1e5*b",
                 "h = tanh(a*height + b)\nw*h + c", "a*b + c", "seed", "micrograd",
                 "w*x1 + mass*x2"]


def test_fits_says_exactly_when_resolving_again_would_change_the_graph(tmp_path):
    datasets = _datasets(tmp_path)
    said_fits = 0
    for spec in FITS_FORMULAS:
        for old in datasets:
            try:
                graph = resolve_model(spec, old).graph
            except FormulaError:
                continue
            for new in datasets:
                try:
                    again = resolve_model(spec, new).graph
                except FormulaError:
                    again = None
                same = again is not None and same_model(again, graph)
                if fits(graph, new):  # never wrong when it says it fits
                    assert same, (spec, old.source, new.source)
                    said_fits += 1
                elif same:
                    # Cautious only where a column's name merged with its x<k>.
                    assert "x" in spec and "mass" in spec and "swapped" in old.source, \
                        (spec, old.source, new.source)
    assert said_fits > 100

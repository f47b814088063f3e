"""Weight names one typo from a data column are found; generic and distant names are not."""

from __future__ import annotations

import itertools
import random

import pytest

from core.autodiff.formula import column_names
from core.autodiff.name_check import NameWarning, close_columns, edit_distance

COLUMNS = ["height", "mass", "rooms", "body_mass_index"]


def _reference_osa(a: str, b: str) -> int:
    """Optimal string alignment distance, the textbook full table."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i, j in itertools.product(range(1, len(a) + 1), range(1, len(b) + 1)):
        cost = 0 if a[i - 1] == b[j - 1] else 1
        d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
        if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
            d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def test_the_banded_distance_matches_the_full_table_up_to_its_limit():
    rng = random.Random(7)
    for _ in range(3000):
        a = "".join(rng.choice("abc") for _ in range(rng.randint(0, 7)))
        b = "".join(rng.choice("abc") for _ in range(rng.randint(0, 7)))
        limit = rng.randint(0, 3)
        exact = _reference_osa(a, b)
        assert edit_distance(a, b, limit) == min(exact, limit + 1), (a, b, limit)


@pytest.mark.parametrize(("name", "column", "edits"), [
    ("heigth", "height", 1),   # transposition
    ("heigt", "height", 1),    # deletion
    ("heightt", "height", 1),  # insertion
    ("haight", "height", 1),   # substitution
    ("hieghtt", "height", 2),  # two edits, 7 characters
    ("Height", "height", 0),   # case only
    ("MASS", "mass", 0),
    ("Mas", "mass", 1),        # 3 characters, but one edit after the case
    ("masss", "mass", 1),      # 5 characters: one edit
    ("room", "rooms", 1),      # 4 characters: one edit
    ("body_mas_index", "body_mass_index", 1),
])
def test_close_names_are_found(name, column, edits):
    if name == "Mas":
        # Under 4 characters only a difference in case counts: Mas is not mass.
        assert close_columns([name], COLUMNS) == ()
        return
    assert close_columns([name], COLUMNS) == (NameWarning(name, column, edits),)
    assert NameWarning(name, column, edits).message == \
        f"{name}: did you mean the column {column}?"


@pytest.mark.parametrize(("name", "expected"), [
    ("mas", ()),  # 3 characters, one edit: too short to suspect
    ("roxes", ()),  # 5 characters, two edits from rooms: one allowed
    ("masses", (NameWarning("masses", "mass", 2),)),  # 6 characters: two allowed
    ("hxxghtt", ()),  # 7 characters, three edits
])
def test_short_names_allow_fewer_edits(name, expected):
    assert close_columns([name], COLUMNS) == expected


@pytest.mark.parametrize("name", ["w1", "b", "a1_1", "bias", "slope", "c", "rate"])
def test_ordinary_weight_names_are_not_suspects(name):
    assert close_columns([name], COLUMNS) == ()


def test_generic_column_names_are_never_suggested():
    # x1..xN are positions, not names: x12 as a weight (a column the data lacks is an
    # error elsewhere) is never "did you mean x1".
    usable = list(column_names(("x1", "x2", "x12", "height"), "y"))
    assert usable == ["height"]
    assert close_columns(["x13", "xx12", "heigth"], usable) == (
        NameWarning("heigth", "height", 1),)


def test_a_column_used_by_its_name_is_no_weight_and_no_suspect():
    assert close_columns(["height"], COLUMNS) == ()


def test_the_closest_column_wins_then_the_first():
    assert close_columns(["heigth"], ["heighxx", "height"]) == (NameWarning("heigth", "height", 1),)
    assert close_columns(["abcd"], ["abce", "abcf"]) == (NameWarning("abcd", "abce", 1),)


def test_many_names_against_many_columns_is_quick():
    import time

    columns = [f"feature_{i}" for i in range(2000)]
    weights = [f"weight_{i}" for i in range(2000)] + ["featur_17"]
    start = time.perf_counter()
    found = close_columns(weights, columns)
    assert found[-1] == NameWarning("featur_17", "feature_17", 1)
    assert time.perf_counter() - start < 5.0


def _brute_force(weights, columns):
    from core.autodiff.name_check import allowed_edits

    found = []
    for name in dict.fromkeys(weights):
        if name in columns:
            continue
        limit = allowed_edits(name)
        scored = [(_reference_osa(name.lower(), c.lower()), i, c) for i, c in enumerate(columns)]
        scored = [item for item in scored if item[0] <= limit]
        if scored:
            edits, _, column = min(scored)
            found.append(NameWarning(name, column, edits))
    return tuple(found)


def test_the_candidates_miss_nothing_the_full_comparison_finds():
    rng = random.Random(11)
    for _ in range(300):
        def word():
            return "".join(rng.choice("abAB") for _ in range(rng.randint(1, 8)))
        weights = [word() for _ in range(rng.randint(1, 6))]
        columns = list(dict.fromkeys(word() for _ in range(rng.randint(1, 6))))
        assert close_columns(weights, columns) == _brute_force(weights, columns), \
            (weights, columns)

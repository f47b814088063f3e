"""One range of finite-difference steps (core.autodiff.gradcheck.EPS_RANGE), read by the
command line (the window: tests/gui/debugger/test_eps_range.py)."""

import pytest

from cli.app import run
from core.autodiff.gradcheck import DEFAULT_EPS, EPS_RANGE
from tests.cli.helpers import run_fails, run_json

LOW, HIGH = EPS_RANGE


def test_the_default_lies_in_the_range():
    assert LOW <= DEFAULT_EPS <= HIGH


@pytest.mark.parametrize("eps", [LOW, HIGH])
def test_gradcheck_takes_both_ends(capsys, eps):
    assert run_json(capsys, ["gradcheck", "--eps", repr(eps), "--json"])["eps"] == eps


@pytest.mark.parametrize(("eps", "words"), [
    (HIGH * 10, "too large: the finite-difference step must be between 1e-10 and 0.01"),
    (LOW / 10, "too small"), ("nan", "is not a number"), ("-1", "--eps -1 is too small")])
def test_gradcheck_refuses_a_step_outside_it(capsys, eps, words):
    run_fails(capsys, ["gradcheck", "--eps", str(eps)], words)


def test_the_help_names_it(capsys):
    with pytest.raises(SystemExit):
        run(["gradcheck", "--help"])
    assert "1e-10 to 0.01 (default 1e-07)" in " ".join(capsys.readouterr().out.split())

"""Checking a student's backward_propagation: the shipped examples, the verdicts, and every
way a student's file can fail, which must end as one line and never as a crash."""

import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from core.autodiff.engine import evaluate
from core.backward_check.checker import (
    StudentCodeError,
    backward_keys,
    check_backward_file,
)
from core.backward_check.points import forward_dict
from core.presets import resolve_graph
from tests.conftest import ROOT
from tests.seed_reference import seed_forward

EXAMPLES = ROOT / "resources" / "examples"
NOTEBOOK = EXAMPLES / "notebook_backward.py"
CORRECT = EXAMPLES / "correct_backward.py"


@pytest.fixture(scope="module")
def seed():
    graph, preset = resolve_graph("seed")
    return graph, preset, preset.dataset()


def check(inputs, path, **options):
    graph, preset, dataset = inputs
    options.setdefault("samples", 8)
    return check_backward_file(path, graph, dataset, preset.aliases, **options)


def student_file(tmp_path, body, name="student.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


#: The correct backward pass, for files that break something else.
CORRECT_BACKWARD = CORRECT.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def notebook_report(seed):
    return check(seed, NOTEBOOK, samples=20, seed=3)


def test_the_notebook_example_is_caught_on_exactly_w1_w2_w3_w6_w7(notebook_report):
    report = notebook_report
    assert report.wrong == ("w1", "w2", "w3", "w6", "w7")
    assert report.flagged == report.wrong
    assert report.samples == 40  # at least one set of points: 40 for the seed
    assert report.forward is not None and report.forward.verdict == "correct"
    assert not report.all_correct
    by_name = {f.name: f for f in report.weights}
    assert by_name["w3"].key == "dw3"
    assert by_name["w3"].max_relative_error > 1e-3
    assert by_name["w9"].max_relative_error < 1e-12


def test_the_correct_example_passes(seed):
    report = check(seed, CORRECT, samples=20)
    assert report.all_correct
    assert report.wrong == () and report.flagged == ()
    assert all(f.max_relative_error < 1e-12 for f in report.weights)


def test_the_worst_sample_is_where_the_error_is_largest_and_reproducible(seed,
                                                                         notebook_report):
    graph, _, dataset = seed
    for finding in notebook_report.weights:
        x, y = dataset.row(finding.worst_sample)
        trace = evaluate(graph, x, y, finding.worst_weights)
        index = graph.weights.index(finding.name)
        assert trace.weight_grads[index] == finding.engine
        # The student's number at that point is the notebook's formula there.
        if finding.name == "w7":
            f = seed_forward(x, y, finding.worst_weights)
            assert finding.student == pytest.approx(f["dy_pred"] * (1 - np.tan(f["tanh"])))


def test_engine_forward_dict_speaks_the_notebook(seed):
    graph, preset, dataset = seed
    x, y = dataset.row(5)
    w = np.linspace(-0.5, 0.5, 9)
    forward = forward_dict(evaluate(graph, x, y, w), preset.aliases)
    expected = seed_forward(x, y, w)
    for key in ("exp", "tanh", "sigmoid", "v1", "v2", "loss", "dy_pred", "y_pred"):
        assert forward[key] == pytest.approx(expected[key], rel=1e-12), key
    assert forward["part_3"] == forward["sigmoid"]
    assert backward_keys(graph) == tuple(f"dw{i}" for i in range(1, 10))


def test_a_wrong_forward_is_reported_apart_from_a_right_backward(seed, tmp_path):
    # The forward's loss forgets to square; backward gets the engine's values regardless.
    body = CORRECT_BACKWARD.replace("loss = (y - y_pred) * (y - y_pred)",
                                    "loss = (y - y_pred)")
    report = check(seed, student_file(tmp_path, body))
    assert report.flagged == ()
    assert report.forward is not None
    assert report.forward.verdict == "wrong"
    assert report.forward.wrong == ("loss",)
    assert not report.all_correct
    # Running the student's file leaves no __pycache__ beside it.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["student.py"]


def test_without_forward_propagation_the_engine_provides_the_dict(seed, tmp_path):
    body = CORRECT_BACKWARD[CORRECT_BACKWARD.index("def backward_propagation"):]
    report = check(seed, student_file(tmp_path, "import numpy as np\n\n" + body))
    assert report.forward is None
    assert report.all_correct


def test_other_graphs_use_d_plus_the_weight_name(tmp_path):
    graph, _ = resolve_graph("a*x1 + b")
    from core.data.datasets import builtin_dataset

    right = student_file(tmp_path, """
        def backward_propagation(x, y, w, forward_dict):
            return {'da': forward_dict['dy_pred'] * x[0], 'db': forward_dict['dy_pred']}
        """)
    report = check_backward_file(right, graph, builtin_dataset(), samples=5)
    assert [f.key for f in report.weights] == ["da", "db"]
    assert report.all_correct
    wrong = student_file(tmp_path, """
        def backward_propagation(x, y, w, forward_dict):
            return {'da': forward_dict['dy_pred'], 'db': forward_dict['dy_pred']}
        """, "wrong.py")
    assert check_backward_file(wrong, graph, builtin_dataset(), samples=5).wrong == ("a",)


def test_nan_is_wrong_and_numpy_scalars_and_one_element_arrays_are_numbers(seed, tmp_path):
    body = CORRECT_BACKWARD.replace("'dw9': dy_pred * sig,", "'dw9': float('nan'),")
    body = body.replace("'dw7': dtanh,", "'dw7': np.array([dtanh]),")
    body = body.replace("'dw8': dz,", "'dw8': np.float64(dz),")
    report = check(seed, student_file(tmp_path, body))
    assert report.wrong == ("w9",)  # a nan answer is wrong, not uncheckable
    assert np.isnan(report.weights[8].max_relative_error)
    assert report.weights[6].verdict == report.weights[7].verdict == "correct"


HOSTILE = {
    "syntax error": ("def backward_propagation(x, y, w, forward_dict)\n    return {}\n",
                     ["student.py, line 1", "SyntaxError"]),
    "failing import": ("import numpy_that_does_not_exist\n",
                       ["importing student.py, line 1", "ModuleNotFoundError"]),
    "raises": ("def backward_propagation(x, y, w, forward_dict):\n"
               "    a = 1\n"
               "    return {'dw1': forward_dict['no such key']}\n",
               ["backward_propagation raised at student.py, line 3", "KeyError",
                "no such key"]),
    "no function": ("def backward(x, y, w, d):\n    return {}\n",
                    ["defines no backward_propagation"]),
    "garbage return": ("def backward_propagation(x, y, w, forward_dict):\n"
                       "    return [1, 2, 3]\n",
                       ["returned list, expected a dict with keys dw1"]),
    "string values": ("def backward_propagation(x, y, w, forward_dict):\n"
                      "    return {f'dw{i}': 'zero' for i in range(1, 10)}\n",
                      ["dw1 is str, expected a number"]),
    "missing keys": ("def backward_propagation(x, y, w, forward_dict):\n"
                     "    return {'dw1': 0.0, 'dw2': 0.0}\n",
                     ["has no dw3, dw4", "dw9"]),
    "forward returns garbage": ("def forward_propagation(x, y, w):\n    return 3\n"
                                "def backward_propagation(x, y, w, forward_dict):\n"
                                "    return {}\n",
                                ["forward_propagation returned int"]),
    "exits at import": ("import sys\nsys.exit(3)\n", ["SystemExit: 3"]),
    "kills its process": ("import os\nos._exit(7)\n",
                          ["stopped without a result (exit status 7)"]),
    "floods its error output": ("import os\nwhile True:\n    os.write(2, b'x' * 2**20)\n",
                                ["wrote more than 1 MB to its error output: stopped"]),
    "prints without end": ("for i in range(10**5):\n    print('spam' * 100)\n"
                           "raise ValueError('after printing')\n",
                           ["ValueError: after printing"]),
}


def outcome(inputs, path):
    """The one-line message a file that cannot be checked gets (or what went otherwise)."""
    try:
        check(inputs, path, samples=3)
    except StudentCodeError as error:
        return str(error)
    return "checked without complaint"


def test_every_file_that_cannot_be_checked_gets_one_line(seed, tmp_path):
    # Each file runs in its own process; they run side by side to keep the test short.
    paths = {}
    for i, (case, (body, _)) in enumerate(sorted(HOSTILE.items())):
        folder = tmp_path / f"case{i}"
        folder.mkdir()
        paths[case] = folder / "student.py"
        paths[case].write_text(body, encoding="utf-8")
    with ThreadPoolExecutor(max_workers=4) as pool:
        messages = dict(zip(paths, pool.map(lambda p: outcome(seed, p), paths.values()),
                            strict=True))
    for case, (_, words) in HOSTILE.items():
        message = messages[case]
        assert "\n" not in message, (case, message)
        for word in words:
            assert word in message, (case, message)


def test_an_endless_loop_is_stopped_at_the_time_limit(seed, tmp_path):
    path = student_file(tmp_path, """
        def backward_propagation(x, y, w, forward_dict):
            while True:
                pass
        """)
    with pytest.raises(StudentCodeError, match=r"did not finish within 0.5 s"):
        check(seed, path, samples=2, timeout=0.5)


@pytest.mark.skipif(not sys.platform.startswith("linux"),
                    reason="the address-space limit is enforced on Linux")
def test_a_file_that_eats_memory_hits_the_limit(seed, tmp_path):
    path = student_file(tmp_path, """
        hoard = bytearray(4 * 1024**3)
        """)
    with pytest.raises(StudentCodeError, match=r"MemoryError \(the check allows 1024 MB"):
        check(seed, path, samples=2)


def test_missing_and_non_python_files(seed, tmp_path):
    with pytest.raises(StudentCodeError, match="no such file"):
        check(seed, tmp_path / "absent.py")
    with pytest.raises(StudentCodeError, match="is a directory, not a Python file"):
        check(seed, tmp_path)
    binary = tmp_path / "binary.py"
    binary.write_bytes(b"\x00\xff\xfe garbage")
    with pytest.raises(StudentCodeError, match=r"binary\.py"):
        check(seed, binary)


def test_a_correct_file_exposes_a_derivative_broken_on_purpose(seed):
    from core.autodiff.ops import Op

    graph, preset, dataset = seed
    node = graph.by_name("part_3")
    broken = graph.with_breaks({node.id: Op.from_formulas(
        "sigmoid", ("a",), "sigmoid(a)", ("out*(1 + out)",))})
    report = check_backward_file(CORRECT, broken, dataset, preset.aliases, samples=8)
    # The weights behind the sigmoid disagree with the broken engine...
    assert set(report.flagged) == {"w3", "w4", "w5", "w8"}
    # ...and agree with the numeric gradient, from the forward pass alone.
    for finding in report.weights:
        assert finding.student == pytest.approx(finding.numeric, rel=1e-3, abs=1e-9)
    assert "derivative at part_3 is broken on purpose" in report.message
    assert "the app is the one that is wrong" in report.message
    assert "broken on purpose" not in check(seed, CORRECT).message

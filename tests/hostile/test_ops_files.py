"""--ops FILE as a hostile user writes it: each bad file is refused in one line (exit 2)
naming the entry and the field, as a real process; a formula that would run code is
refused without running it; a good op is used everywhere, under any name Python or the
PyTorch script also use."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.hostile.test_surface_cli import refused, run


def op(name: str = "q", forward: str = "a*a", derivatives: Any = ("2*a",),
       args: Any = ("a",), **fields: Any) -> dict[str, Any]:
    return {"name": name, "args": list(args) if isinstance(args, tuple) else args,
            "forward": forward,
            "derivatives": list(derivatives) if isinstance(derivatives, tuple)
            else derivatives, **fields}


def write(folder: Path, document: Any, name: str = "ops.json") -> str:
    path = folder / name
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return str(path)


#: case -> (the file's JSON document, words the one line must hold)
REFUSED: dict[str, tuple[Any, str]] = {
    "an empty list": ([], "must be a JSON list of ops"),
    "a string": ("hello", "must be a JSON list of ops"),
    "a list of numbers": ([1, 2], "entry 1: must be an object"),
    "no name": ([{"args": ["a"]}], "entry 1: \"name\" is missing"),
    "a number as name": ([op(name=5)], "\"name\" must be a name"),
    "a keyword as name": ([op(name="lambda")], "\"name\" must be a name"),
    "a dunder name": ([op(name="__class__")], "\"name\" must be a name"),
    "a built-in function's name": ([op(name="exp")], "'exp' is a built-in op or function"),
    "a built-in op's name": ([op(name="mul")], "'mul' is a built-in op or function"),
    "a reserved name": ([op(name="y")], "'y' is reserved in formulas"),
    "a feature's name": ([op(name="x3")], "'x3' is a data column"),
    "a weight of the seed graph": ([op(name="w1")], "op 'w1' has the name of the graph's "
                                                   "weight w1"),
    "args as text": ([op(args="a")], "\"args\" must be a list of one or two"),
    "no args": ([op(args=[], derivatives=[])], "\"args\" must be a list of one or two"),
    "three args": ([op(args=["a", "b", "c"], derivatives=["1", "0", "0"])],
                   "\"args\" must be a list of one or two"),
    "out as an arg": ([op(args=["out"], forward="out", derivatives=["1"])],
                      "'out' cannot name an operand"),
    "a derivative short": ([op(args=["a", "b"], forward="a*b", derivatives=["b"])],
                           "\"derivatives\" must be a list of 2 formulas"),
    "a number as formula": ([op(forward=5)], "\"forward\" must be a formula (text)"),
    "an unknown field": ([op(frob=1)], "unknown field 'frob'"),
    "the same name twice": ([op(), op()], "entry 2: \"name\": 'q' is defined twice"),
    "65 entries": ([op(name=f"q{i}") for i in range(65)], "65 entries; at most 64"),
    "10,000 entries": ([op(name=f"q{i}") for i in range(10_000)],
                       "definition files are limited to 256 KiB"),
    "a 40,000-character formula": ([op(forward="+".join(["a"] * 20_000))],
                                   "\"forward\" is 39,999 characters long; at most 2,000"),
    "a 1,500-deep formula": ([op(forward="(" * 1500 + "a" + ")" * 1500)],
                             "\"forward\" is 3,001 characters long"),
    "an unknown function": ([op(forward="frob(a)")], "unknown function 'frob'"),
    "an op calling itself": ([op(forward="q(a) + 1")], "unknown function 'q'"),
    "an op calling another": ([op(name="q1"), op(name="q2", forward="q1(a) + 1")],
                              "entry 2 ('q2'): \"forward\": unknown function 'q1'"),
    "an attribute": ([op(forward="a.real")], "an attribute is not allowed"),
    "a lambda": ([op(forward="(lambda z: z)(a)")], "a lambda is not allowed"),
    "a subscript": ([op(forward="a[0]")], "indexing is not allowed"),
    "if/else": ([op(forward="a if a > 0 else 0")], "if/else is not allowed"),
    "a keyword argument": ([op(forward="exp(a, base=2)")], "takes plain arguments only"),
    "a string constant": ([op(forward="'a'")], "is not a number"),
    "p in a forward": ([op(forward="a*p", derivatives=["p"])], "unknown name 'p'"),
    "a wrong derivative": ([op(derivatives=["a"])],
                           "the derivative dq/da is wrong at a = "),
    "a wrong derivative through out": ([op(forward="tanh(a)", derivatives=["1 - out"])],
                                       "the formula '1 - out' gives"),
    "a swapped derivative": ([op(args=["b", "a"], forward="a/b", derivatives=["1/b", "-a/b**2"],
                                 domain=[1, 2])], "the derivative dq/db is wrong"),
    "a derivative wrong only near 2": ([op(derivatives=["2*a + step(a - 1.99)"])],
                                       "dq/da is wrong at a = 1.99"),
    "log outside its domain": ([op(forward="log(a)", derivatives=["1/a"])],
                               "\"forward\" is nan at a = "),
    "a forward overflowing": ([op(domain=[-1e300, 1e300])], "\"forward\" is inf at a = "),
    "a reversed domain": ([op(domain=[2, -2])], "\"domain\" must be [low, high]"),
    "an empty domain": ([op(domain=[1, 1])], "\"domain\" must be [low, high]"),
    "a domain of text": ([op(domain=["0", "1"])], "\"domain\" must be [low, high]"),
    "a 50-character symbol": ([op(symbol="x" * 50)], "\"symbol\" must be short text"),
    "a 401-digit domain": ([op(domain=[0, 10**400])], "\"domain\" must be [low, high]"),
    # Points are drawn uniformly from it: numpy cannot, when high - low overflows.
    "a domain wider than floats reach": ([op(domain=[-1e308, 1e308])],
                                         "(and high − low finite), got [-1e+308, 1e+308]"),
    # Python's ** gives a complex number here; the check reads it as nan.
    "a fractional power of a negative operand": (
        [op(forward="a**1.5", derivatives=["1.5*a**0.5"])], "\"forward\" is nan at a = -"),
    "a tower of powers": ([op(forward="a**a**a**a**a**9", derivatives=["1"])],
                          "\"forward\" is nan at a = -"),
    "a name of 5,000 characters": ([op(name="q" * 5000)],
                                   "\"name\" must be at most 40 characters, got 5,000: "),
    "an operand's name of 5,000 characters": (
        [op(args=["a" * 5000], forward="1", derivatives=["0"])],
        "an operand's name must be at most 40 characters"),
    "a name Python reads as exp": ([op(name="\uff45\uff58\uff50")],
                                   "reads as 'exp' in a formula"),
    "a name Python reads as another": ([op(name="\ufb01t")], "reads as 'fit' in a formula"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_bad_ops_file_is_one_line(tmp_path, case):
    document, words = REFUSED[case]
    path = write(tmp_path, document)
    line = refused("inspect", "--ops", path, "--json", words=words)
    assert line.startswith(f"error: --ops {path}"), line


def test_a_long_name_without_a_symbol_is_drawn_cut_to_a_symbol(tmp_path):
    """A name of 17 characters and no "symbol": accepted (it was refused as a "symbol"
    the file never wrote), drawn as its first 11 characters and an ellipsis."""
    from core.autodiff import user_ops

    entry = op(name="leaky_relu_custom")
    (definition,) = user_ops.check_entries([entry], "ops")
    assert definition["symbol"] == "leaky_relu_…"
    code, out, err, _ = run("inspect", "--ops", write(tmp_path, [entry]), "--graph",
                            "leaky_relu_custom(w1*x1) + w2", "--json")
    assert code == 0, err
    assert "leaky_relu_custom" in {n["op"] for n in json.loads(out)["nodes"]}


def test_a_fractional_power_of_a_negative_operand_diverges_named_not_a_traceback(tmp_path):
    """An op whose check domain is positive but whose operand goes negative in training:
    Python's ** gave a complex number, and train and inspect ended in a traceback. The
    value is now nan, and the run says which node became non-finite."""
    path = write(tmp_path, [op(name="rt", forward="a**1.5", derivatives=["1.5*a**0.5"],
                               domain=[0.5, 2])])
    code, out, err, _ = run("train", "--ops", path, "--graph", "rt(w1*x1) + b",
                            "--epochs", "1", "--json")
    assert code == 0, err
    diverged = json.loads(out)["diverged"]
    assert diverged["op"] == "rt" and diverged["quantity"] == "value", diverged
    code, out, err, _ = run("inspect", "--ops", path, "--graph", "rt(w1*x1 - 1) + b",
                            "--weights", "0.5", "--json")
    assert code == 0, err
    assert [n["value"] for n in json.loads(out)["nodes"] if n["op"] == "rt"] == [None]


@pytest.mark.parametrize(("text", "words"), [
    ('[{"name": "q", ', "not valid JSON (line 1, column 16"),
    ("", "not valid JSON (line 1, column 1"),
    ('[{"name": "q", "args": ["a"], "forward": "a", "derivatives": ["1"], '
     '"domain": [NaN, 1]}]', "NaN is not a number JSON allows"),
    ('[{"name": "q", "args": ["a"], "forward": "a", "derivatives": ["1"], '
     '"domain": [-1e400, 1]}]', "got [-inf, 1]"),
])
def test_malformed_json_is_one_line(tmp_path, text, words):
    path = tmp_path / "ops.json"
    path.write_text(text)
    refused("train", "--ops", str(path), "--json", words=words)


def test_bytes_that_are_not_utf8_are_one_line(tmp_path):
    path = tmp_path / "ops.json"
    path.write_bytes(b"\xff\xfe[")
    refused("gradcheck", "--ops", str(path), "--json", words="not UTF-8 text")


@pytest.mark.parametrize("field", ["forward", "derivatives"])
def test_a_formula_that_would_run_code_is_refused_unrun(tmp_path, field):
    marker = tmp_path / "ran"
    code = f"__import__('pathlib').Path({str(marker)!r}).touch()"
    entry = op(forward=code) if field == "forward" else op(derivatives=[code])
    refused("inspect", "--ops", write(tmp_path, [entry]), "--json", words=f'"{field}')
    assert not marker.exists()


@pytest.mark.parametrize("name", ["torch", "json", "print", "float", "math", "np",
                                  "number", "grads", "σ2"])
def test_an_op_named_like_python_s_or_the_script_s_names_works(tmp_path, name):
    """Names the generated code, numpy and the PyTorch script use are fine op names: the
    op computes its own formula (here a square) in every path."""
    path = write(tmp_path, [op(name=name)])
    code, out, err, _ = run("inspect", "--ops", path, "--graph", f"{name}(w1*x1)+w2",
                            "--weights", "0.5,0.25", "--json")
    assert code == 0, err
    nodes = {n["name"]: n for n in json.loads(out)["nodes"]}
    x1 = nodes["x1"]["value"]
    assert [n["value"] for n in nodes.values() if n["op"] == name] == [(0.5 * x1) ** 2]


def test_the_window_says_what_is_wrong_and_keeps_the_ops_it_had(window, tmp_path):
    """File > Add ops… with a file the checks refuse (a 401-digit domain, a name Python reads
    as exp): a visible message, and the op added before still computes."""
    from core.autodiff import user_ops
    from core.presets import resolve_graph

    actions, training = window.ops_actions, window.session.training
    try:
        assert actions.add_ops_file(write(tmp_path, [op(name="sq")], "good.json"))
        training.set_graph(resolve_graph("sq(w1*x1) + w2")[0])
        config = training.config
        for bad in ([op(name="sq", domain=[0, 10**400])], [op(name="\uff45\uff58\uff50")]):
            assert not actions.add_ops_file(write(tmp_path, bad, "bad.json"))
            assert "bad.json" in window.statusBar().currentMessage()
        assert training.config == config
        training.run_steps(3)
        assert training.trainer.cursor.step == 3
        x1 = training.dataset.row(0)[0][0]
        assert user_ops.OPS["sq"].evaluate((x1,)) == x1 * x1
    finally:
        user_ops.unregister(["sq"])


def test_a_right_derivative_of_a_steep_op_is_accepted_and_a_near_miss_refused(tmp_path):
    """exp(exp(a)) on [5, 6.5]: the central difference's own error there (h²·f'''/6, about
    3e-5 of the value) is no reason to refuse the right derivative; one off by 1e-4 is
    still refused."""
    right = op(forward="exp(exp(a))", derivatives=["exp(exp(a))*exp(a)"], domain=[5, 6.5])
    code, _, err, _ = run("inspect", "--ops", write(tmp_path, [right]), "--graph",
                          "q(w1*x1 + 5.5)", "--json")
    assert code == 0, err
    wrong = {**right, "derivatives": ["exp(exp(a))*exp(a)*1.0001"]}
    refused("inspect", "--ops", write(tmp_path, [wrong]), "--graph", "q(w1*x1 + 5.5)",
            "--json", words="the derivative dq/da is wrong at a = ")


def test_a_corrected_op_of_another_arity_is_refused_and_nothing_changes(window, tmp_path):
    """File > Add ops… redefining an op the graph calls with two operands instead of one:
    a visible message; the graph, the config and the op's row stay as they were."""
    from core.autodiff import user_ops
    from core.presets import resolve_graph

    actions, training = window.ops_actions, window.session.training
    one = op(name="sq")
    two = op(name="sq", args=["a", "b"], forward="a*a + b", derivatives=["2*a", "1"])
    try:
        assert actions.add_ops_file(write(tmp_path, [one], "one.json"))
        training.set_graph(resolve_graph("sq(w1*x1) + w2")[0])
        config, row = training.config, user_ops.OPS["sq"]
        assert not actions.add_ops_file(write(tmp_path, [two], "two.json"))
        assert "two.json" in window.statusBar().currentMessage()
        assert training.config == config and user_ops.OPS["sq"] == row
        training.run_steps(3)
        assert training.trainer.cursor.step == 3
    finally:
        user_ops.unregister(["sq"])




@pytest.mark.parametrize("command", ["inspect", "train"])
def test_an_op_named_like_a_data_column_is_one_line(tmp_path, command):
    data = tmp_path / "data.csv"
    data.write_text("softplus2,x2,y\n1,2,3\n2,3,4\n3,1,2\n")
    path = write(tmp_path, [op(name="softplus2")])
    refused(command, "--ops", path, "--data", str(data), "--graph", "w1*x2 + b", "--json",
            words="op 'softplus2' has the name of the data column softplus2")


@pytest.mark.parametrize("forward", ["(1+" * 199 + "a" + ")" * 199, "-" * 199 + "a"])
@pytest.mark.parametrize("command", ["inspect", "gradcheck"])
def test_a_formula_nested_199_deep_is_one_line(tmp_path, command, forward):
    """Under the parser's own cap, but the code generated from it would pass Python's 200
    nested brackets (it was a SyntaxError traceback in the trace path)."""
    path = write(tmp_path, [op(forward=forward, derivatives=["1"])])
    refused(command, "--ops", path, "--graph", "q(w1*x1)+b", "--json",
            words="\"forward\" nests 199 operations deep; at most 90")


@pytest.mark.parametrize("command", ["inspect", "gradcheck", "train"])
@pytest.mark.parametrize("nested", [True, False])
def test_formulas_90_deep_work_in_every_path(tmp_path, command, nested):
    """The deepest forward and derivative allowed, the derivative reading out (the forward
    put in its place where code is generated): 180 levels, under Python's limit of 200;
    nested brackets, or a sum of 90 terms (each + one level deeper)."""
    if nested:
        forward = "(1+" * 89 + "tanh(a)" + ")" * 89
        derivative = "(0+" * 87 + "1 - (out-89)*(out-89)" + ")" * 87
    else:
        forward = "tanh(a)" + "+0*a" * 89
        derivative = "1 - out*out" + "+0" * 88
    path = write(tmp_path, [op(forward=forward, derivatives=[derivative])])
    code, out, err, _ = run(command, "--ops", path, "--graph", "q(w1*x1)+b", "--json")
    assert code == 0, err
    assert isinstance(json.loads(out), dict)


@pytest.mark.parametrize("option", ["--ops", "--break"])
def test_a_device_a_pipe_a_huge_or_deep_file_is_refused_unread(tmp_path, option):
    from tests.hostile import surface_files

    huge = tmp_path / "huge.json"
    with huge.open("wb") as out:
        out.truncate(1 << 30)  # 1 GiB of holes: refused from its size, never read
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 30_000 + "]" * 30_000)
    cases = [(str(huge), "the file is 1 GiB; definition files are limited to 256 KiB"),
             (str(deep), "nested more than 8 levels deep"),
             (str(tmp_path), "is a directory, not a definition file")]
    if hasattr(os, "mkfifo"):  # where the machine has named pipes and /dev/zero
        cases.append((str(surface_files.fifo(tmp_path)), "is a FIFO (named pipe)"))
    if Path("/dev/zero").exists():
        cases.append(("/dev/zero", "is a character device, not a regular file"))
    for path, words in cases:
        refused("inspect", option, path, "--json", words=f"{option} {path}: {words}")


@pytest.mark.parametrize("option", ["--ops", "--break"])
def test_a_file_option_given_twice_is_one_line(tmp_path, option):
    """argparse would keep the second file and drop the first without a word."""
    first, second = write(tmp_path, [op()], "first.json"), write(tmp_path, [op()], "second.json")
    refused("inspect", option, first, option, second, "--json",
            words=f"{option}: give one file (got more than one)")
    refused(option, first, f"{option}={second}", "--screenshot", str(tmp_path / "x.png"),
            words=f"{option}: give one file")


def test_a_long_wrong_derivative_is_quoted_short(tmp_path):
    """The one line names the op, the point and both numbers, and quotes 60 characters of
    a 323-character formula, not all of it."""
    derivative = "3*a" + "+0*a" * 80
    path = write(tmp_path, [op(derivatives=[derivative])])
    line = refused("inspect", "--ops", path, "--json", words="the derivative dq/da is wrong")
    assert "'3*a+0*a+0*a" in line and "…' gives " in line
    assert len(line) < 300, len(line)

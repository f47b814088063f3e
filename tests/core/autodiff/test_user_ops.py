"""Ops defined in a file: reading, checking each field, the finite-difference check of the
derivatives, the names they may not take, and registering them in the op table."""

import json
import os

import pytest

from core.autodiff import user_ops
from core.autodiff.ops import FUNCTIONS, OPS
from core.autodiff.user_ops import (
    OpsFileError,
    check_clashes,
    check_entries,
    read_ops_file,
    registered,
)
from core.autodiff.user_ops import user_ops as registered_ops

SOFTPLUS2 = {"name": "softplus2", "args": ["z"], "forward": "log(1 + exp(z))",
             "derivatives": ["sigmoid(z)"], "domain": [-5, 5]}


def write(tmp_path, document, name="ops.json"):
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document),
                    encoding="utf-8")
    return str(path)


def refused(entry, *words):
    with pytest.raises(OpsFileError) as caught:
        check_entries([entry])
    message = str(caught.value)
    assert "\n" not in message
    for word in words:
        assert word in message, message
    return message


# -- the file --------------------------------------------------------------------------


def test_a_file_of_ops_reads_as_checked_definitions(tmp_path):
    (definition,) = read_ops_file(write(tmp_path, [SOFTPLUS2]))
    assert definition == {**SOFTPLUS2, "domain": [-5.0, 5.0], "symbol": "softplus2"}


def test_a_single_object_is_a_list_of_one(tmp_path):
    assert read_ops_file(write(tmp_path, SOFTPLUS2))[0]["name"] == "softplus2"


@pytest.mark.parametrize(("document", "words"), [
    ("[{\"name\": ", "not valid JSON (line 1"),
    ("\"softplus\"", "must be a JSON list of ops"),
    ("[]", "must be a JSON list of ops"),
    ("[" * 50 + "]" * 50, "nested more than"),
    ("[{\"name\": \"f\", \"args\": [\"a\"], \"forward\": \"a\", \"derivatives\": [NaN]}]",
     "NaN is not a number JSON allows"),
])
def test_a_file_that_is_not_a_list_of_ops_is_refused(tmp_path, document, words):
    path = write(tmp_path, document)
    with pytest.raises(OpsFileError, match=r"--ops .*ops\.json: ") as caught:
        read_ops_file(path)
    assert words in str(caught.value)


def test_unreadable_files_are_refused_unread(tmp_path):
    with pytest.raises(OpsFileError, match=r"missing\.json: no such file"):
        read_ops_file(str(tmp_path / "missing.json"))
    with pytest.raises(OpsFileError, match="is a directory, not a definition file"):
        read_ops_file(str(tmp_path))
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (user_ops.MAX_OPS_BYTES + 1))
    with pytest.raises(OpsFileError, match="definition files are limited to"):
        read_ops_file(str(big))
    latin = tmp_path / "latin.json"
    latin.write_bytes(b"[\"\xe9\"]")
    with pytest.raises(OpsFileError, match=r"latin\.json: not UTF-8 text"):
        read_ops_file(str(latin))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="this system has no FIFOs")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "ops.json"
    os.mkfifo(fifo)
    with pytest.raises(OpsFileError, match="FIFO"):
        read_ops_file(str(fifo))


# -- each field --------------------------------------------------------------------------


@pytest.mark.parametrize(("change", "words"), [
    ({"name": None}, '"name" is missing'),
    ({"forward": None}, '"forward" is missing'),
    ({"colour": "red"}, "unknown field 'colour'"),
    ({"name": "soft plus"}, '"name" must be a name'),
    ({"name": 3}, '"name" must be a name'),
    ({"args": "z"}, '"args" must be a list of one or two'),
    ({"args": ["a", "b", "c"]}, '"args" must be a list of one or two'),
    ({"args": ["out"]}, "'out' cannot name an operand"),
    ({"args": ["exp"]}, "'exp' cannot name an operand"),
    ({"args": ["a", "a"], "derivatives": ["1", "1"]}, "'a' is named twice"),
    ({"derivatives": "sigmoid(z)"}, '"derivatives" must be a list of 1 formula'),
    ({"derivatives": ["1", "2"]}, '"derivatives" must be a list of 1 formula'),
    ({"forward": ""}, '"forward" must be a formula'),
    ({"forward": "log(1 + exp(z)"}, '"forward": cannot read the formula'),
    ({"forward": "log(1 + exp(q))"}, "\"forward\": unknown name 'q'"),
    ({"derivatives": ["sigmoid(z"]}, '"derivatives[0]": cannot read the formula'),
    ({"derivatives": ["frob(z)"]}, "\"derivatives[0]\": unknown function 'frob'"),
    ({"forward": "z.real"}, '"forward": an attribute is not allowed'),
    ({"domain": [5, -5]}, '"domain" must be [low, high]'),
    ({"domain": [0, "inf"]}, '"domain" must be [low, high]'),
    ({"domain": 3}, '"domain" must be [low, high]'),
    ({"symbol": ""}, '"symbol" must be short text'),
    ({"symbol": "a very long symbol"}, '"symbol" must be short text'),
])
def test_each_field_is_checked_and_named(change, words):
    entry = {**SOFTPLUS2, **change}
    entry = {k: v for k, v in entry.items() if v is not None}
    message = refused(entry, words, "entry 1")
    if "name" in entry and isinstance(entry["name"], str) and entry["name"].isidentifier():
        assert "softplus2" in message or "soft plus" in message


def test_an_entry_that_is_not_an_object_is_refused():
    refused("softplus", "entry 1: must be an object")


def test_two_entries_may_not_share_a_name():
    with pytest.raises(OpsFileError, match="entry 2: \"name\": 'softplus2' is defined twice"):
        check_entries([SOFTPLUS2, SOFTPLUS2])


# -- names -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["exp", "sigmoid", "softplus", "add", "mul", "max", "step",
                                  "huber", "pow"])
def test_a_built_in_op_or_function_name_is_refused(name):
    refused({**SOFTPLUS2, "name": name}, f"'{name}' is a built-in op or function")


@pytest.mark.parametrize("name", ["y", "loss", "L", "x3", "out"])
def test_a_reserved_or_column_name_is_refused(name):
    refused({**SOFTPLUS2, "name": name}, f"'{name}' is")


def test_an_op_named_like_a_weight_or_a_column_is_refused():
    with pytest.raises(OpsFileError, match="op 'w1' has the name of the graph's weight w1"):
        check_clashes(["w1"], weights=["w1", "w2"], columns=["height"])
    with pytest.raises(OpsFileError, match="op 'height' has the name of the data column"):
        check_clashes(["height"], weights=["w1"], columns=["height"])
    check_clashes(["softplus2"], weights=["w1"], columns=["height"])


# -- the finite-difference check -----------------------------------------------------------


def test_a_wrong_derivative_is_refused_naming_op_operand_point_and_both_numbers():
    message = refused({"name": "sig2", "args": ["a"], "forward": "sigmoid(a)",
                       "derivatives": ["out*(1 + out)"]},
                      "'sig2'", "dsig2/da is wrong at a = ", "finite differences give")
    point = float(message.split("at a = ")[1].split(":")[0])
    assert -2.0 <= point <= 2.0
    numbers = message.split(" gives ")[1].split(", finite differences give ")
    analytic, numeric = float(numbers[0]), float(numbers[1])
    import math
    s = 1 / (1 + math.exp(-point))
    assert analytic == pytest.approx(s * (1 + s), rel=1e-8)
    assert numeric == pytest.approx(s * (1 - s), rel=1e-6)


def test_a_missing_factor_and_a_lost_sign_are_refused():
    refused({"name": "sq", "args": ["a"], "forward": "a*a", "derivatives": ["a"]},
            "dsq/da is wrong")
    refused({"name": "cosine", "args": ["a"], "forward": "cos(a)", "derivatives": ["sin(a)"]},
            "dcosine/da is wrong")


def test_the_second_operand_of_a_wrong_binary_op_is_named():
    refused({"name": "ratio", "args": ["a", "b"], "forward": "a / b",
             "derivatives": ["1 / b", "out / b"], "domain": [0.5, 2]},
            "dratio/db is wrong at a = ", ", b = ")


def test_a_log_based_op_needs_its_domain():
    entry = {"name": "logplus", "args": ["a"], "forward": "log(a) + a",
             "derivatives": ["1/a + 1"]}
    refused(entry, '"forward" is nan at a = -', 'give a "domain"')
    (checked,) = check_entries([{**entry, "domain": [0.5, 3]}])
    assert checked["domain"] == [0.5, 3.0]


def test_right_derivatives_pass_with_out_two_operands_and_kinks():
    check_entries([
        {"name": "tanh2", "args": ["a"], "forward": "tanh(a)", "derivatives": ["1 - out*out"]},
        {"name": "hypot", "args": ["a", "b"], "forward": "sqrt(a*a + b*b)",
         "derivatives": ["a / out", "b / out"], "domain": [0.5, 2]},
        {"name": "leaky", "args": ["a"], "forward": "max(a, 0.1*a)",
         "derivatives": ["0.1 + 0.9*step(a)"]},
        {"name": "gauss", "args": ["a"], "forward": "exp(-a**2)",
         "derivatives": ["-2*a*out"]},
    ])
# -- the op table ---------------------------------------------------------------------------


def test_registering_adds_the_row_and_the_callable_name_and_removes_them_after():
    with registered_ops([SOFTPLUS2]) as (row,):
        assert OPS["softplus2"] is row
        assert "softplus2" in FUNCTIONS
        assert row.definition["forward"] == "log(1 + exp(z))"
        assert registered() == ({**SOFTPLUS2, "domain": [-5.0, 5.0],
                                 "symbol": "softplus2"},)
        assert row.evaluate((0.0,)) == pytest.approx(0.6931471805599453)
    assert "softplus2" not in OPS
    assert "softplus2" not in FUNCTIONS
    assert registered() == ()


def test_registering_a_corrected_definition_replaces_the_row():
    fixed = {**SOFTPLUS2, "symbol": "sp"}
    with registered_ops([SOFTPLUS2]), registered_ops([fixed]) as (row,):
        assert OPS["softplus2"] is row
        assert row.symbol == "sp"
    assert "softplus2" not in OPS


def test_a_refused_redefinition_leaves_the_registered_op_as_it_was():
    with registered_ops([SOFTPLUS2]) as (row,):
        with pytest.raises(OpsFileError, match="dsoftplus2/dz is wrong"):
            user_ops.register([{**SOFTPLUS2, "derivatives": ["1"]}])
        assert OPS["softplus2"] is row
        assert registered()[0]["derivatives"] == ["sigmoid(z)"]

"""Loading datasets: every format, every kind of bad file, the built-in data."""

import csv
import os
import pickle
import shlex
import subprocess
import sys
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from core.data.datasets import (
    BUILTIN_DATA_PATH,
    BUILTIN_SOURCE,
    DataError,
    Dataset,
    builtin_dataset,
    load_dataset,
)
from tests.conftest import COURSE_DATA, ROOT

TABLE = np.array([[0.5, -1.25, 3.0, 10.0],
                  [1.5, 2.0, -0.125, 20.0],
                  [2.5, 1e-300, 7.0, 30.0]])


def _write_csv(path, rows, header=None, delimiter=","):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        if header:
            writer.writerow(header)
        writer.writerows([repr(float(v)) for v in row] for row in rows)
    return path


def _error(path, **kwargs):
    with pytest.raises(DataError) as caught:
        load_dataset(path, **kwargs)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    return message


def _assert_table(dataset, table=TABLE):
    np.testing.assert_array_equal(dataset.X, table[:, :-1])
    np.testing.assert_array_equal(dataset.y, table[:, -1])


# -- formats -------------------------------------------------------------------------------


def test_csv_without_header(tmp_path):
    dataset = load_dataset(_write_csv(tmp_path / "data.csv", TABLE))
    _assert_table(dataset)
    assert dataset.feature_names == ("x1", "x2", "x3")
    assert dataset.target_name == "y"
    assert dataset.source == str(tmp_path / "data.csv")


def test_csv_header_names_the_columns(tmp_path):
    path = _write_csv(tmp_path / "data.csv", TABLE, header=["rooms", "age", "tax", "price"])
    dataset = load_dataset(path)
    _assert_table(dataset)
    assert dataset.feature_names == ("rooms", "age", "tax")
    assert dataset.target_name == "price"


def test_csv_header_with_quotes_blanks_and_a_bom(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(b'\xef\xbb\xbf"a b", ,c,"y"\r\n1,2,3,4\r\n\r\n5,6,7,8\r\n')
    dataset = load_dataset(path)
    assert dataset.feature_names == ("a b", "x2", "c")
    np.testing.assert_array_equal(dataset.X, [[1, 2, 3], [5, 6, 7]])
    np.testing.assert_array_equal(dataset.y, [4, 8])


def test_whitespace_separated_with_comments(tmp_path):
    path = tmp_path / "data.csv"
    np.savetxt(path, TABLE, fmt="%.17g", header="made by numpy")
    assert path.read_text().startswith("# made by numpy")
    _assert_table(load_dataset(path))
    path.write_text("# a comment\nx1\tx2  x3 x4\n" + "\n".join(
        "\t ".join(repr(v) for v in row) for row in TABLE.tolist()) + "\n")
    dataset = load_dataset(path)
    _assert_table(dataset)
    assert dataset.feature_names == ("x1", "x2", "x3")


def test_semicolon_separated_with_decimal_commas(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a;b;y\n1,5;2;3,25\n-0,5;1e3;4\n")
    dataset = load_dataset(path)
    np.testing.assert_array_equal(dataset.X, [[1.5, 2.0], [-0.5, 1000.0]])
    np.testing.assert_array_equal(dataset.y, [3.25, 4.0])


def test_header_detection_needs_every_field_to_be_text(tmp_path):
    # A first row with some numbers is data with a bad value, not a header: no row may
    # silently disappear.
    path = tmp_path / "data.csv"
    path.write_text("1,two,3\n4,5,6\n")
    assert _error(path) == f"{path}, row 1, column 2: 'two' is not a number"


def test_npy(tmp_path):
    path = tmp_path / "data.npy"
    np.save(path, TABLE)
    _assert_table(load_dataset(path))


@pytest.mark.parametrize("dtype", [np.int32, np.uint8, np.bool_, np.float32, ">f8"])
def test_numeric_types_become_float64(tmp_path, dtype):
    table = (np.arange(12).reshape(4, 3) % 2).astype(dtype)
    for suffix, save in ((".npy", np.save), (".pkl", lambda p, a: p.write_bytes(pickle.dumps(a)))):
        path = tmp_path / f"data{suffix}"
        save(path, table)
        dataset = load_dataset(path)
        assert dataset.X.dtype == np.float64
        assert dataset.X.dtype.isnative
        assert dataset.y.dtype == np.float64
        np.testing.assert_array_equal(dataset.X, table[:, :2].astype(np.float64))


def test_npz_with_one_table(tmp_path):
    path = tmp_path / "data.npz"
    np.savez(path, TABLE)
    _assert_table(load_dataset(path))


@pytest.mark.parametrize(("x_key", "y_key"), [("X", "y"), ("x", "Y"), ("features", "target"),
                                              ("Features", "TARGET")])
def test_npz_with_x_and_y(tmp_path, x_key, y_key):
    path = tmp_path / "data.npz"
    np.savez_compressed(path, **{x_key: TABLE[:, :-1], y_key: TABLE[:, -1], "notes": [1]})
    _assert_table(load_dataset(path))


def test_pickled_array_like_the_courses(tmp_path):
    path = tmp_path / "data.pkl"
    with path.open("wb") as handle:
        pickle.dump(TABLE, handle)
    _assert_table(load_dataset(path))


@pytest.mark.parametrize("wrap", [
    lambda X, y: {"X": X, "y": y},
    lambda X, y: {"features": X, "Target": y},
    lambda X, y: (X, y),
    lambda X, y: [X.tolist(), y.tolist()],
    lambda X, y: (X, y.reshape(-1, 1)),
    lambda X, y: np.column_stack([X, y]).tolist(),
], ids=["dict", "dict-names", "tuple", "lists", "y-column", "list-of-rows"])
def test_pickled_containers(tmp_path, wrap):
    path = tmp_path / "data.pickle"
    path.write_bytes(pickle.dumps(wrap(TABLE[:, :-1], TABLE[:, -1])))
    _assert_table(load_dataset(path))


def test_extensions_are_case_insensitive(tmp_path):
    path = tmp_path / "DATA.PKL"
    path.write_bytes(pickle.dumps(TABLE))
    _assert_table(load_dataset(path))


# -- target column -------------------------------------------------------------------------


@pytest.mark.parametrize("target", [0, 2, -1, -4, 3])
def test_target_column(tmp_path, target):
    path = _write_csv(tmp_path / "data.csv", TABLE, header=["a", "b", "c", "d"])
    dataset = load_dataset(path, target_column=target)
    column = target % 4
    np.testing.assert_array_equal(dataset.y, TABLE[:, column])
    np.testing.assert_array_equal(dataset.X, np.delete(TABLE, column, axis=1))
    assert dataset.target_name == "abcd"[column]
    assert dataset.feature_names == tuple(n for n in "abcd" if n != "abcd"[column])


def test_target_column_renames_defaults(tmp_path):
    path = tmp_path / "data.npy"
    np.save(path, TABLE)
    dataset = load_dataset(path, target_column=0)
    assert dataset.feature_names == ("x1", "x2", "x3")
    np.testing.assert_array_equal(dataset.X[:, 0], TABLE[:, 1])


@pytest.mark.parametrize("target", [4, -5, 100])
def test_target_column_out_of_range(tmp_path, target):
    path = tmp_path / "data.npy"
    np.save(path, TABLE)
    assert _error(path, target_column=target) == (
        f"{path}: target column {target} is out of range for 4 columns")


# -- round trips ---------------------------------------------------------------------------

finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
tables = hnp.arrays(np.float64, st.tuples(st.integers(1, 12), st.integers(2, 6)),
                    elements=finite)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=tables, target=st.integers(-2, 1))
def test_random_tables_round_trip_exactly(tmp_path_factory, table, target):
    folder = tmp_path_factory.mktemp("round-trip")
    files = {
        "data.csv": lambda p: _write_csv(p, table),
        "spaces.csv": lambda p: np.savetxt(p, table, fmt="%.17g"),
        "data.npy": lambda p: np.save(p, table),
        "data.npz": lambda p: np.savez(p, X=np.delete(table, target, axis=1),
                                       y=table[:, target]),
        "data.pkl": lambda p: p.write_bytes(pickle.dumps(table, protocol=2)),
        "data.pickle": lambda p: p.write_bytes(pickle.dumps(table)),
    }
    for name, write in files.items():
        path = folder / name
        write(path)
        dataset = load_dataset(path, target_column=target)
        np.testing.assert_array_equal(dataset.X, np.delete(table, target, axis=1),
                                      err_msg=name)
        np.testing.assert_array_equal(dataset.y, table[:, target], err_msg=name)
        assert dataset.n_samples == table.shape[0]
        assert dataset.n_features == table.shape[1] - 1


# -- bad files -----------------------------------------------------------------------------


def test_missing_file(tmp_path):
    path = tmp_path / "nothing.csv"
    assert _error(path) == f"{path}: no such file"


def test_directory(tmp_path):
    path = tmp_path / "folder.csv"
    path.mkdir()
    assert _error(path) == f"{path}: is a directory, not a data file"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_pipe_is_not_read(tmp_path):
    path = tmp_path / "pipe.csv"
    os.mkfifo(path)
    assert _error(path) == f"{path}: is a FIFO (named pipe), not a regular file"


def test_unreadable_file(tmp_path, monkeypatch):
    """Permission errors are simulated: root (as in CI) may read any file."""
    path = _write_csv(tmp_path / "data.csv", TABLE)

    def refuse(path, flags):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(os, "open", refuse)
    assert "permission denied" in _error(path)


@pytest.mark.parametrize("name", ["data.xlsx", "data", "data.csv.gz"])
def test_unsupported_extension(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"1,2\n")
    message = _error(path)
    assert "unsupported" in message
    assert ".csv, .npy, .npz, .pkl, .pickle" in message


@pytest.mark.parametrize("suffix", [".csv", ".npy", ".npz", ".pkl", ".pickle"])
def test_empty_file(tmp_path, suffix):
    path = tmp_path / f"data{suffix}"
    path.write_bytes(b"")
    assert _error(path) == f"{path}: the file is empty"


@pytest.mark.parametrize(("text", "words"), [
    ("\n\n# only a comment\n", "no data rows"),
    ("a,b,y\n", "a header row but no data rows"),
    ("1\n2\n", "the table has 1 column; need at least 2"),
    ("1,2,3\n4,5\n", "row 2 has 2 columns, expected 3 (as in row 1)"),
    ("a,b,c\n\n1,2,3\n4,5,6,7\n", "row 2 (line 4) has 4 columns, expected 3 (as in the header)"),
    ("1,2,3\n4,5,6\n7,8,9\n1,abc,3\n", "row 4, column 2: 'abc' is not a number"),
    ("x,y\n1,2\n3,\n", "row 2 (line 3), column 2 is empty"),
    ("1,2\n1_000,3\n", "row 2, column 1: '1_000' is not a number"),
    ("1,2\n3,nan\n", "row 2, column 2 (y) is NaN"),
    ("a,b,c\n1,2,3\n4,-inf,6\n", "row 2 (line 3), column 2 (b) is infinite (-inf)"),
])
def test_bad_csv(tmp_path, text, words):
    path = tmp_path / "data.csv"
    path.write_text(text)
    assert words in _error(path)


def test_binary_file_named_csv(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    assert _error(path) == f"{path}: not a UTF-8 text file (byte 0x89 at offset 0)"


def test_nan_is_located_in_every_format(tmp_path):
    table = TABLE.copy()
    table[2, 1] = np.nan
    path = tmp_path / "data.npy"
    np.save(path, table)
    assert _error(path) == f"{path}, row 3, column 2 (x2) is NaN"
    path = tmp_path / "data.pkl"
    table[2, 1] = np.inf
    path.write_bytes(pickle.dumps({"X": table[:, :-1], "y": table[:, -1]}))
    assert _error(path) == f"{path}, X row 3, column 2 (x2) is infinite (inf)"
    path.write_bytes(pickle.dumps({"X": TABLE[:, :-1], "y": [1.0, 2.0, np.nan]}))
    assert _error(path) == f"{path}, y row 3 is NaN"


@pytest.mark.parametrize(("array", "words"), [
    (np.arange(5.0), "the data is a 1-D array (shape (5,)); need a 2-D table"),
    (np.zeros((2, 3, 4)), "the data is a 3-D array (shape (2, 3, 4))"),
    (np.float64(3.0), "the data is a single number, not a table"),
    (np.zeros((0, 6)), "the table has no rows"),
    (np.zeros((5, 1)), "the table has 1 column; need at least 2"),
])
def test_bad_shapes(tmp_path, array, words):
    path = tmp_path / "data.npy"
    np.save(path, array)
    assert words in _error(path)


@pytest.mark.parametrize(("obj", "words"), [
    ({"X": np.ones((3, 2)), "y": np.ones(4)}, "X has 3 rows but y has 4"),
    ({"X": np.ones(3), "y": np.ones(3)}, "X is a 1-D array (shape (3,)); need 2-D"),
    ({"X": np.ones((3, 2)), "y": np.ones((3, 2))}, "y has shape (3, 2); need 1-D"),
    ({"X": np.ones((0, 2)), "y": np.ones(0)}, "X and y have no rows"),
    ({"X": np.ones((3, 0)), "y": np.ones(3)}, "X has no feature columns"),
    ({"data": np.ones((3, 3))}, "the pickled dict has keys 'data'; expected X and y"),
    ("just text", "the pickle holds text (str), not a numeric array"),
    (b"bytes", "the pickle holds text (bytes), not a numeric array"),
    (["a", "b", "c"], "the data holds text (dtype <U1), not numbers"),
    ([[1.0, 2.0], [3.0]], "the data is not a rectangular table of numbers"),
    ([[1.0, None], [3.0, 4.0]], "the data holds Python objects"),
    (42, "the pickle holds a single number, not a table"),
    (None, "the pickle holds a NoneType, not a numeric array"),
])
def test_bad_pickle_contents(tmp_path, obj, words):
    path = tmp_path / "data.pkl"
    path.write_bytes(pickle.dumps(obj))
    assert words in _error(path)


def test_object_dtype_pickle_is_refused(tmp_path):
    path = tmp_path / "data.pkl"
    path.write_bytes(pickle.dumps(np.array([[1.0, 2.0], [3.0, 4.0]], dtype=object)))
    assert _error(path).startswith(f"{path}: refused to load: the pickle holds an array of "
                                   "Python objects")


@pytest.mark.parametrize("protocol", [0, 2, 5])
def test_malicious_pickle_file_is_refused_without_running(tmp_path, protocol):
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return os.system, (f"touch {shlex.quote(str(marker))}",)

    path = tmp_path / "data.pkl"
    path.write_bytes(pickle.dumps({"X": np.ones((2, 2)), "y": Payload()}, protocol=protocol))
    assert _error(path) == (
        f"{path}: refused to load: the pickle wants to call os.system, which a data file "
        "never needs (only numeric numpy arrays are accepted)")
    assert not marker.exists()


def test_truncated_pickle(tmp_path):
    path = tmp_path / "data.pkl"
    path.write_bytes(pickle.dumps(TABLE)[:-20])
    assert _error(path).startswith(f"{path}: truncated or corrupt pickle")


def test_numpy_files_with_the_pickle_extension_get_a_hint(tmp_path):
    path = tmp_path / "data.pkl"
    np.save(tmp_path / "real.npy", TABLE)
    path.write_bytes((tmp_path / "real.npy").read_bytes())
    assert "this is a .npy file, not a pickle" in _error(path)


@pytest.mark.parametrize("cut", [-1, -30, 20, 5])
def test_truncated_npy(tmp_path, cut):
    path = tmp_path / "data.npy"
    np.save(path, TABLE)
    path.write_bytes(path.read_bytes()[:cut])
    message = _error(path)
    assert "truncated or corrupt .npy file" in message or "not a .npy file" in message


def test_object_npy_is_not_loaded(tmp_path):
    path = tmp_path / "data.npy"
    np.save(path, np.array([[1, None]], dtype=object), allow_pickle=True)
    assert _error(path) == (f"{path}: holds an array of Python objects, which is not loaded "
                            "(only numeric arrays are accepted)")


def test_npy_of_text(tmp_path):
    path = tmp_path / "data.npy"
    np.save(path, np.array([["a", "b"], ["c", "d"]]))
    assert _error(path) == f"{path}: the data holds text (dtype <U1), not numbers"


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_damaged_npz(tmp_path, damage):
    path = tmp_path / "data.npz"
    np.savez(path, X=np.ones((50, 3)), y=np.arange(50.0))
    raw = bytearray(path.read_bytes())
    if damage == "truncate":
        raw = raw[: len(raw) // 2]
    else:  # inside the first member's data: the zip's CRC check catches it
        raw[200] ^= 0xFF
    path.write_bytes(bytes(raw))
    assert "truncated or corrupt .npz file" in _error(path)


def test_npz_with_unknown_arrays(tmp_path):
    path = tmp_path / "data.npz"
    np.savez(path, a=np.ones((3, 2)), b=np.ones(3))
    assert _error(path) == (f"{path}: the archive has keys 'a', 'b'; "
                            "expected one 2-D table, or X and y")


def test_npz_with_object_array(tmp_path):
    path = tmp_path / "data.npz"
    np.savez(path, X=np.array([[1, None]], dtype=object), y=np.ones(1))
    assert "holds an array of Python objects" in _error(path)


def test_empty_zip_named_npz(tmp_path):
    path = tmp_path / "data.npz"
    with zipfile.ZipFile(path, "w"):
        pass
    assert _error(path) == f"{path}: the archive holds no arrays"


def test_nothing_the_user_had_is_touched(tmp_path):
    # Loading reads; a failed load must leave the file exactly as it was.
    path = tmp_path / "data.csv"
    path.write_text("1,2\n3,abc\n")
    before = path.read_bytes()
    _error(path)
    assert path.read_bytes() == before


# -- the Dataset object --------------------------------------------------------------------


def test_dataset_arrays_are_read_only_copies():
    X = np.arange(6.0).reshape(3, 2)
    y = np.array([1, 2, 3])
    dataset = Dataset(X, y, "memory")
    X[0, 0] = 99.0
    assert dataset.X[0, 0] == 0.0
    assert dataset.y.dtype == np.float64
    for array in (dataset.X, dataset.y):
        assert not array.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 1.0


def test_dataset_queries():
    dataset = Dataset(np.arange(6.0).reshape(3, 2), np.array([7.0, 8.0, 9.0]), "d.csv")
    assert len(dataset) == dataset.n_samples == 3
    assert dataset.n_features == 2
    assert dataset.feature_names == ("x1", "x2")
    x, y = dataset.row(1)
    np.testing.assert_array_equal(x, [2.0, 3.0])
    assert y == 8.0
    assert isinstance(y, float)
    assert dataset.row(-1)[1] == 9.0
    with pytest.raises(IndexError, match=r"sample 3 is out of range: d\.csv has 3 samples"):
        dataset.row(3)
    assert repr(dataset) == "Dataset('d.csv', 3 samples, 2 features)"


def test_require_features():
    dataset = Dataset(np.zeros((4, 3)), np.zeros(4), "data.csv")
    dataset.require_features(3)
    dataset.require_features(0)
    with pytest.raises(DataError) as caught:
        dataset.require_features(5)
    assert str(caught.value) == "data.csv has 3 feature columns but the graph uses x1..x5"
    one = Dataset(np.zeros((4, 1)), np.zeros(4), "one.csv")
    with pytest.raises(DataError) as caught:
        one.require_features(2)
    assert str(caught.value) == "one.csv has 1 feature column but the graph uses x1..x2"
    with pytest.raises(DataError, match=r"^the built-in data has 5 feature columns"):
        builtin_dataset().require_features(9)


@pytest.mark.parametrize(("X", "y", "names", "words"), [
    (np.zeros(3), np.zeros(3), (), "X must be 2-D"),
    (np.zeros((3, 2)), np.zeros(4), (), "y must have shape (3,)"),
    (np.zeros((3, 2)), np.zeros(3), ("a",), "1 feature names for 2 feature columns"),
])
def test_dataset_checks_its_shapes(X, y, names, words):
    with pytest.raises(DataError) as caught:
        Dataset(X, y, "memory", feature_names=names)
    assert words in str(caught.value)


# -- the course's file ---------------------------------------------------------------------


@pytest.mark.skipif(not COURSE_DATA.exists(), reason="the course's data.pkl is not here")
def test_course_data_loads():
    dataset = load_dataset(COURSE_DATA)
    assert dataset.X.shape == (506, 5)
    assert dataset.y.shape == (506,)
    assert dataset.feature_names == ("x1", "x2", "x3", "x4", "x5")
    np.testing.assert_allclose(dataset.X.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(dataset.X.std(axis=0), 1.0, atol=1e-12)


@pytest.mark.skipif(not COURSE_DATA.exists(), reason="the course's data.pkl is not here")
def test_course_data_is_fit_exactly_by_the_seed_graph_with_unit_weights():
    from core.autodiff.compiled import CompiledGraph
    from core.presets import PRESETS

    dataset = load_dataset(COURSE_DATA)
    losses, _ = CompiledGraph(PRESETS["seed"].build()).batch(dataset.X, dataset.y, [1.0] * 9)
    assert losses.max() < 1e-20


# -- the built-in data ---------------------------------------------------------------------


def _generator():
    from resources import make_builtin_data

    return make_builtin_data


def test_builtin_dataset_shape_and_names():
    dataset = builtin_dataset()
    assert dataset.X.shape == (506, 5)
    assert dataset.y.shape == (506,)
    assert dataset.source == BUILTIN_SOURCE == "built-in"
    assert dataset.feature_names == ("x1", "x2", "x3", "x4", "x5")
    assert dataset.target_name == "y"
    assert not dataset.X.flags.writeable
    assert builtin_dataset() is dataset  # cached


def test_builtin_features_are_standardized():
    X = builtin_dataset().X
    np.testing.assert_allclose(X.mean(axis=0), 0.0, atol=1e-15)
    np.testing.assert_allclose(X.std(axis=0), 1.0, rtol=0, atol=1e-14)


def test_builtin_features_look_like_measurements():
    X = builtin_dataset().X
    correlation = np.corrcoef(X.T)[np.triu_indices(5, k=1)]
    assert (correlation > 0.25).all()  # one shared cause
    assert (correlation < 0.8).all()  # but five different measurements
    skew = (X**3).mean(axis=0)
    assert skew[2] > 1.0  # x3 is right-skewed
    assert len(np.unique(X[:, 4])) < 20  # x5 is a coarse count
    assert len(np.unique(X[:, 0])) == 506


def test_builtin_target_is_the_seed_graph_with_the_teacher_weights():
    from core.autodiff.compiled import CompiledGraph
    from core.autodiff.engine import forward
    from core.presets import PRESETS

    dataset = builtin_dataset()
    teacher = _generator().TEACHER_WEIGHTS
    assert teacher == (1.0,) * 9
    graph = PRESETS["seed"].build()
    predicted = [forward(graph, x, 0.0, teacher)[graph.output] for x in dataset.X]
    # The file was written from these very numbers; allow only last-bit libm differences
    # between machines.
    np.testing.assert_allclose(dataset.y, predicted, rtol=1e-15, atol=0)
    losses, grads = CompiledGraph(graph).batch(dataset.X, dataset.y, teacher)
    assert losses.max() < 1e-28
    assert np.abs(grads).max() < 1e-12
    # ...and the target is worth fitting: other weights do not fit it.
    losses, _ = CompiledGraph(graph).batch(dataset.X, dataset.y, [0.5] * 9)
    assert losses.mean() > 1e-3
    assert dataset.y.std() > 0.05


def test_regenerating_reproduces_the_file():
    generator = _generator()
    shipped = BUILTIN_DATA_PATH.read_text(encoding="utf-8")
    fresh = generator.render_csv(generator.make_table())
    assert shipped.splitlines()[0] == "x1,x2,x3,x4,x5,y"
    shipped_table = np.array([[float(v) for v in line.split(",")]
                              for line in shipped.splitlines()[1:]])
    fresh_table = np.array([[float(v) for v in line.split(",")]
                            for line in fresh.splitlines()[1:]])
    # Features use only correctly rounded arithmetic: the same bits everywhere.
    np.testing.assert_array_equal(fresh_table[:, :5], shipped_table[:, :5])
    np.testing.assert_allclose(fresh_table[:, 5], shipped_table[:, 5], rtol=1e-15, atol=0)
    if sys.platform == "linux":
        assert fresh == shipped


def test_the_csv_round_trips_float64_exactly():
    text = BUILTIN_DATA_PATH.read_text(encoding="utf-8")
    for line in text.splitlines()[1:]:
        for field in line.split(","):
            assert repr(float(field)) == field


def test_the_generator_runs_as_a_script(tmp_path):
    output = tmp_path / "again.csv"
    script = ROOT / "resources" / "make_builtin_data.py"
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    subprocess.run([sys.executable, str(script), "--output", str(output)], check=True,
                   cwd=tmp_path, env=environment, timeout=120)
    assert output.read_text(encoding="utf-8").splitlines()[0] == "x1,x2,x3,x4,x5,y"
    assert len(output.read_text(encoding="utf-8").splitlines()) == 507
    checked = subprocess.run([sys.executable, str(script), "--check", "--output", str(output)],
                             cwd=tmp_path, env=environment, timeout=120, check=False)
    assert checked.returncode == 0
    output.write_text("x1,x2,x3,x4,x5,y\n", encoding="utf-8")
    stale = subprocess.run([sys.executable, str(script), "--check", "--output", str(output)],
                           cwd=tmp_path, env=environment, timeout=120, check=False,
                           capture_output=True, text=True)
    assert stale.returncode == 1
    assert "out of date" in stale.stderr

"""The restricted unpickler: numeric numpy arrays load, anything that would run code does not.

The hostile pickles here are real: each test that refuses one first shows (with the plain
``pickle.loads``) that the same bytes do run their payload.
"""

import builtins
import codecs
import copyreg
import functools
import io
import os
import pickle
import pickletools
import shlex
import shutil
import subprocess

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from core.data.datasets import DataError, load_pickle_safely
from core.data.safe_pickle import ALLOWED_GLOBALS, RefusedPickleError, restricted_load

PROTOCOLS = range(pickle.HIGHEST_PROTOCOL + 1)


class _Call:
    """Pickles as "call ``func(*args)``": how a hostile pickle runs code."""

    def __init__(self, func, *args):
        self.func = func
        self.args = args

    def __reduce__(self):
        return self.func, self.args


def _touch_with_system(marker):
    return _Call(os.system, f"touch {shlex.quote(str(marker))}")


def _touch_with_eval(marker):
    return _Call(builtins.eval, f"open({str(marker)!r}, 'w').close()")


class _RecordingUnpickler(pickle.Unpickler):
    """A plain unpickler (for our own trusted bytes) that records what it imports."""

    def __init__(self, data):
        super().__init__(io.BytesIO(data))
        self.imported = set()

    def find_class(self, module, name):
        self.imported.add((module, name))
        return super().find_class(module, name)


def _globals_named(data):
    """The (module, name) pairs a pickle imports."""
    unpickler = _RecordingUnpickler(data)
    unpickler.load()
    return unpickler.imported


# -- what loads ----------------------------------------------------------------------------


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "int8", "uint16", "bool"])
def test_numeric_arrays_load_under_every_protocol(protocol, dtype):
    array = (np.arange(12) % 5).reshape(4, 3).astype(dtype)
    loaded = load_pickle_safely(pickle.dumps(array, protocol=protocol))
    assert isinstance(loaded, np.ndarray)
    assert loaded.dtype == array.dtype
    np.testing.assert_array_equal(loaded, array)


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("layout", ["fortran", "strided", "empty", "zero-d"])
def test_array_layouts_load(protocol, layout):
    base = np.arange(24.0).reshape(4, 6)
    array = {"fortran": np.asfortranarray(base), "strided": base[::2, ::3],
             "empty": np.zeros((0, 3)), "zero-d": np.array(2.5)}[layout]
    loaded = load_pickle_safely(pickle.dumps(array, protocol=protocol))
    np.testing.assert_array_equal(loaded, array)
    assert loaded.shape == array.shape


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_containers_and_numpy_scalars_load(protocol):
    obj = {"X": np.ones((2, 3)), "y": [1.0, 2.0], "meta": ("note", 3, np.float64(0.5))}
    loaded = load_pickle_safely(pickle.dumps(obj, protocol=protocol))
    np.testing.assert_array_equal(loaded["X"], obj["X"])
    assert loaded["y"] == [1.0, 2.0]
    assert loaded["meta"] == ("note", 3, 0.5)
    assert type(loaded["meta"][2]) is np.float64


def test_numpy_1_module_names_load():
    # Files written by numpy 1.x (the course's among them) name numpy.core, not numpy._core.
    data = pickle.dumps(np.arange(6.0).reshape(2, 3), protocol=3)
    assert b"numpy._core.multiarray" in data
    old = data.replace(b"numpy._core.multiarray", b"numpy.core.multiarray")
    np.testing.assert_array_equal(load_pickle_safely(old), np.arange(6.0).reshape(2, 3))


def test_a_stream_loads_too():
    stream = io.BytesIO(pickle.dumps(np.eye(3)))
    np.testing.assert_array_equal(load_pickle_safely(stream), np.eye(3))


@settings(max_examples=60, deadline=None)
@given(array=hnp.arrays(st.sampled_from([np.float64, np.int32, np.bool_]),
                        hnp.array_shapes(min_dims=1, max_dims=3, max_side=6)),
       protocol=st.sampled_from(list(PROTOCOLS)))
def test_random_numeric_arrays_round_trip(array, protocol):
    loaded = load_pickle_safely(pickle.dumps(array, protocol=protocol))
    np.testing.assert_array_equal(loaded, array)
    assert loaded.dtype == array.dtype


def test_the_table_admits_only_numpy_array_machinery():
    # Every admitted global is one numpy's own array pickles use; no builtins beyond
    # the two argument-checking stand-ins for how protocols 0-2 spell bytes.
    modules = {module for module, _ in ALLOWED_GLOBALS}
    assert modules <= {"numpy", "numpy.core.multiarray", "numpy._core.multiarray",
                       "numpy.core.numeric", "numpy._core.numeric", "_codecs",
                       "builtins", "__builtin__"}
    # The pickle gets checking stand-ins, never numpy's or Python's own callables.
    real = {np.dtype, np.ndarray, bytes, codecs.encode, np.frombuffer}
    assert not any(value in real for value in ALLOWED_GLOBALS.values())
    used = set()
    for protocol in PROTOCOLS:
        for array in (np.ones((2, 2)), np.zeros((0, 2)), np.float64(1.0)):
            used.update(_globals_named(pickle.dumps(array, protocol=protocol)))
    assert used <= set(ALLOWED_GLOBALS)


# -- what is refused -----------------------------------------------------------------------


@pytest.mark.parametrize("make_payload", [_touch_with_system, _touch_with_eval],
                         ids=["os.system", "builtins.eval"])
@pytest.mark.parametrize("protocol", [0, 2, 5])
def test_code_running_pickles_are_refused_without_running(tmp_path, make_payload, protocol):
    marker = tmp_path / "ran"
    data = pickle.dumps(make_payload(marker), protocol=protocol)
    # The payload is real: a plain unpickler runs it.
    pickle.loads(data)  # demonstrating the attack on purpose
    assert marker.exists()
    marker.unlink()

    with pytest.raises(DataError, match="refused to load") as caught:
        load_pickle_safely(data, source="data.pkl")
    assert not marker.exists()
    message = str(caught.value)
    assert message.startswith("data.pkl: refused to load: the pickle wants to call ")
    assert "only numeric numpy arrays are accepted" in message
    assert "\n" not in message


def test_the_refusal_names_what_the_pickle_wanted(tmp_path):
    data = pickle.dumps(_touch_with_system(tmp_path / "ran"))
    with pytest.raises(DataError) as caught:
        load_pickle_safely(data, source="data.pkl")
    assert str(caught.value) == (
        "data.pkl: refused to load: the pickle wants to call os.system, which a data file "
        "never needs (only numeric numpy arrays are accepted)"
    )
    data = pickle.dumps(_touch_with_eval(tmp_path / "ran"), protocol=2)
    with pytest.raises(DataError, match=r"wants to call builtins\.eval"):
        load_pickle_safely(data)


@pytest.mark.parametrize(("payload", "named"), [
    (_Call(subprocess.call, ["true"]), "subprocess.call"),
    (_Call(functools.partial, print), "functools.partial"),
    (_Call(getattr, [], "append"), "builtins.getattr"),
    (_Call(np.load, "somewhere.npy"), "numpy.load"),
    (_Call(np.frombuffer, b"\0" * 8), "numpy.frombuffer"),
    (_Call(shutil.rmtree, "/nowhere"), "shutil.rmtree"),
], ids=lambda value: value if isinstance(value, str) else "")
def test_other_callables_are_refused(payload, named):
    with pytest.raises(RefusedPickleError, match=f"wants to call {named},"):
        restricted_load(pickle.dumps(payload))


def test_a_payload_hidden_beside_real_data_is_refused(tmp_path):
    marker = tmp_path / "ran"
    for wrapped in ({"X": np.ones((3, 2)), "y": np.ones(3), "extra": _touch_with_system(marker)},
                    [np.ones((3, 2)), [1, 2, _touch_with_eval(marker)]],
                    np.array([1.0, _touch_with_system(marker)], dtype=object)):
        with pytest.raises(DataError, match="refused to load"):
            load_pickle_safely(pickle.dumps(wrapped))
        assert not marker.exists()


def test_attribute_paths_are_not_followed():
    # Protocol 4 lets a name be a dotted path; an admitted module must not lead elsewhere.
    for name in (b"ndarray.__class__", b"dtype.__init__", b"ndarray.tofile"):
        data = (b"\x80\x04\x8c\x05numpy\x94\x8c" + bytes([len(name)]) + name + b"\x94\x93\x94.")
        with pytest.raises(RefusedPickleError, match=f"numpy.{name.decode()}"):
            restricted_load(data)


def test_extension_codes_go_through_the_same_check(tmp_path):
    marker = tmp_path / "ran"
    copyreg.add_extension("posix", "system", 0x7FFF00)
    try:
        data = pickle.dumps(_touch_with_system(marker), protocol=2)
    finally:
        copyreg.remove_extension("posix", "system", 0x7FFF00)
    assert any(op.name.startswith("EXT") for op, _, _ in pickletools.genops(data))
    copyreg.add_extension("posix", "system", 0x7FFF00)
    try:
        with pytest.raises(RefusedPickleError, match=r"os\.system"):
            restricted_load(data)
    finally:
        copyreg.remove_extension("posix", "system", 0x7FFF00)
    assert not marker.exists()


@pytest.mark.parametrize("data", [
    b"c_codecs\nencode\n(Vabc\nVzlib_codec\ntR.",        # any codec but latin-1
    b"c_codecs\nencode\n(I5\nVlatin1\ntR.",              # not a string
    b"c__builtin__\nbytes\n(I1000000000000\ntR.",         # bytes(n) allocates n bytes
], ids=["codec", "codec-arg", "bytes-size"])
def test_the_bytes_stand_ins_only_make_bytes(data):
    with pytest.raises(RefusedPickleError, match=r"arguments numpy's own array pickles never use"):
        restricted_load(data)


def test_persistent_ids_are_refused():
    with pytest.raises(DataError, match="refused to load: the pickle refers to an external"):
        load_pickle_safely(b"Pfoo\n.")


@pytest.mark.parametrize(("array", "words"), [
    (np.array([[1, "a"]], dtype=object), "Python objects"),
    (np.array([1.0, 2.0], dtype=object), "Python objects"),
    (np.array([[1 + 2j]]), "complex numbers"),
    (np.array(["a", "b"]), "text"),
    (np.array([b"a"]), "bytes"),
    (np.zeros(2, dtype=[("a", "f8"), ("b", "i4")]), "structured records"),
    (np.array(["2024-01-01"], dtype="datetime64[D]"), "dates"),
])
def test_non_numeric_arrays_are_refused(array, words):
    data = pickle.dumps({"X": array})
    with pytest.raises(DataError, match=f"refused to load: the pickle holds an array of {words}"):
        load_pickle_safely(data, source="data.pkl")


def _loop_through_a_dict() -> bytes:
    outer: list[object] = [np.ones(2), {}]
    outer[1]["loop"] = (outer,)  # type: ignore[index]
    return pickle.dumps(outer)


@pytest.mark.parametrize("data", [
    b"]q\x00h\x00a.",  # l = []; l.append(l): 7 bytes
    _loop_through_a_dict(),
])
def test_a_container_that_contains_itself_is_refused(data):
    """Whatever walks the data afterwards would go round forever."""
    with pytest.raises(DataError, match="contains itself") as caught:
        load_pickle_safely(data, source="data.pkl")
    assert "\n" not in str(caught.value)


def test_a_shared_array_is_not_a_cycle():
    shared = np.ones(2)
    loaded = load_pickle_safely(pickle.dumps([shared, shared, [shared]]))
    assert isinstance(loaded, list) and loaded[0] is loaded[1] is loaded[2][0]


# -- what is broken ------------------------------------------------------------------------


def test_empty_input_is_reported():
    with pytest.raises(DataError, match=r"data\.pkl: the file is empty"):
        load_pickle_safely(b"", source="data.pkl")


@pytest.mark.parametrize("protocol", [2, 3, 5])
def test_every_truncation_is_truncated_or_corrupt(protocol):
    data = pickle.dumps({"X": np.arange(6.0).reshape(3, 2), "y": np.ones(3)},
                        protocol=protocol)
    for cut in range(1, len(data)):
        with pytest.raises(DataError, match="truncated or corrupt"):
            load_pickle_safely(data[:cut], source="data.pkl")


@pytest.mark.parametrize("data", [
    b"\x80\x02]r\xff\xff\xff\x7f.",  # LONG_BINPUT 2**31 - 1
    b"(lp99999999999\n.",  # the same in protocol 0
], ids=["binary", "text"])
def test_a_huge_memo_index_is_corrupt_not_a_huge_allocation(data):
    # The C unpickler would grow and zero its memo table to that index (16 GiB) first.
    with pytest.raises(DataError, match=r"truncated or corrupt pickle \(memo index \d+ is"):
        load_pickle_safely(data, source="data.pkl")


def test_garbage_is_corrupt():
    with pytest.raises(DataError, match=r"data.pkl: truncated or corrupt pickle \("):
        load_pickle_safely(b"\x80\x05this is not a pickle", source="data.pkl")


EDITS = st.lists(st.tuples(st.sampled_from(["set", "insert", "delete"]),
                          st.integers(min_value=0), st.integers(0, 255)),
                min_size=1, max_size=4)
SAMPLES = [(np.arange(6.0).reshape(3, 2), np.arange(3)),
           {"X": np.ones((2, 2), dtype=">f4"), "y": [np.float64(1), True, "s", (1, 2.5)]}]


@settings(max_examples=400, deadline=None)
@given(edits=EDITS, sample=st.sampled_from(SAMPLES), protocol=st.sampled_from(PROTOCOLS))
def test_damaged_pickles_load_or_raise_data_error_only(edits, sample, protocol):
    data = bytearray(pickle.dumps(sample, protocol=protocol))
    for kind, position, value in edits:
        where = position % len(data)
        if kind == "set":
            data[where] = value
        elif kind == "insert":
            data.insert(where, value)
        elif len(data) > 1:
            del data[where]
    try:
        load_pickle_safely(bytes(data))
    except DataError as error:
        message = str(error)
    else:
        message = "loaded"
    assert message
    assert "\n" not in message


# -- numpy's own reconstruction is never handed the pickle's arguments ------------------------


def _datetime_dtype_with_a_bad_state():
    """A numpy.dtype("M8") whose state lacks its metadata: numpy's own dtype.__setstate__
    crashes the interpreter on this (a segfault), so the stand-in must refuse it first."""
    return (b"\x80\x04\x8c\x05numpy\x8c\x05dtype\x93\x8c\x02M8\x89\x88\x87R"
            b"(K\x03\x8c\x01<NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb.")


def test_a_dtype_state_that_crashes_numpy_is_refused():
    with pytest.raises(DataError, match=r"refused to load: the pickle holds an array of dates"):
        load_pickle_safely(_datetime_dtype_with_a_bad_state(), source="data.pkl")


@pytest.mark.parametrize("state", [
    b"(K\x03\x8c\x01<NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb.",  # the good one
    b"(K\x03\x8c\x01<K\x02NNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb.",  # a subarray
    b"(K\x03\x8c\x01!NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb.",  # a bad byte order
    b"(K\x03\x8c\x01<NNNtb.",  # too short
], ids=["numpy's", "subarray", "byteorder", "short"])
def test_dtype_states_are_checked(state):
    data = b"\x80\x04\x8c\x05numpy\x8c\x05dtype\x93\x8c\x02f8\x89\x88\x87R" + state
    if state.startswith(b"(K\x03\x8c\x01<NNNJ"):
        assert load_pickle_safely(data) == np.dtype("<f8")
    else:
        with pytest.raises(RefusedPickleError, match="arguments numpy's own array pickles"):
            restricted_load(data)


def _array_pickle(**changes):
    """A protocol-2 array pickle, hand-written, with parts replaceable."""
    parts = {
        "subtype": b"cnumpy\nndarray\n",
        "shape": b"K\x02K\x03\x86",
        "code": b"X\x02\x00\x00\x00f8",
        "fortran": b"\x89",
        "data": b"C\x30" + np.arange(6.0).tobytes(),
    }
    parts.update(changes)
    return (b"\x80\x02cnumpy.core.multiarray\n_reconstruct\n" + parts["subtype"]
            + b"K\x00\x85C\x01b\x87R(K\x01" + parts["shape"]
            + b"cnumpy\ndtype\n" + parts["code"] + b"\x89\x88\x87R"
            + b"(K\x03X\x01\x00\x00\x00<NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb"
            + parts["fortran"] + parts["data"] + b"tb.")


def test_the_hand_written_array_pickle_loads():
    loaded = load_pickle_safely(_array_pickle())
    assert type(loaded) is np.ndarray
    np.testing.assert_array_equal(loaded, np.arange(6.0).reshape(2, 3))
    fortran = load_pickle_safely(_array_pickle(fortran=b"\x88"))
    np.testing.assert_array_equal(fortran, np.arange(6.0).reshape(2, 3, order="F"))


@pytest.mark.parametrize(("change", "words"), [
    ({"data": b"C\x28" + bytes(40)}, "truncated or corrupt pickle (the array data has 40 bytes"),
    ({"shape": b"K\x02J\xff\xff\xff\xff\x86"}, "refused to load: the pickle calls numpy.ndarray"),
    ({"shape": b"\x8a\x08" + (2**62).to_bytes(8, "little") + b"K\x03\x86"},
     "truncated or corrupt pickle (the array data has 48 bytes"),
    ({"data": b"]K\x01a"}, "refused to load: the pickle calls numpy.ndarray"),
    ({"subtype": b"cnumpy\ndtype\n"}, "refused to load: the pickle calls numpy.core.multiarray"),
    ({"code": b"X\x02\x00\x00\x00O8"}, "refused to load: the pickle holds an array of Python"),
    ({"code": b"X\x03\x00\x00\x00c16"}, "refused to load: the pickle holds an array of complex"),
], ids=["short data", "negative dim", "huge dims", "object list", "subtype", "object dtype",
        "complex"])
def test_array_states_are_checked(change, words):
    with pytest.raises(DataError) as caught:
        load_pickle_safely(_array_pickle(**change), source="data.pkl")
    assert words in str(caught.value)


def test_loaded_arrays_do_not_share_the_pickles_buffer():
    array = np.arange(4.0)
    loaded = load_pickle_safely(pickle.dumps(array, protocol=5))
    assert loaded.flags.owndata or loaded.base is None or not isinstance(loaded.base, bytes)
    loaded[0] = 99.0  # writable, and nobody else sees it
    assert array[0] == 0.0


def test_python_2_array_pickles_load():
    # Python 2 wrote the array data as a str (SHORT_BINSTRING); it is read as latin-1.
    data = _array_pickle(data=b"U\x30" + np.arange(6.0).tobytes())
    np.testing.assert_array_equal(load_pickle_safely(data), np.arange(6.0).reshape(2, 3))


def test_bool_bytes_other_than_0_and_1_are_normalised():
    data = _array_pickle(code=b"X\x02\x00\x00\x00b1", data=b"C\x06" + bytes([0, 2, 1, 255, 0, 1]))
    loaded = load_pickle_safely(data)
    assert loaded.dtype == np.bool_
    np.testing.assert_array_equal(loaded.view(np.uint8), [[0, 1, 1], [1, 0, 1]])


def test_a_frame_that_ends_inside_an_opcode_is_corrupt():
    # The C unpickler misreads a length that straddles a frame's end (it asks for
    # gigabytes): the frame is checked first.
    data = bytearray(pickle.dumps(np.arange(6, dtype=np.uint16), protocol=5))
    start = next(pos for op, _, pos in pickletools.genops(bytes(data))
                 if op.name == "BYTEARRAY8")
    assert data[2] == pickle.FRAME[0]
    data[3:11] = (start + 3 - 11).to_bytes(8, "little")  # end 3 bytes into its length
    with pytest.raises(DataError, match=r"truncated or corrupt pickle \(a frame ends at byte"):
        load_pickle_safely(bytes(data))


@pytest.mark.parametrize("protocol", [4, 5])
def test_large_pickles_with_many_frames_load(protocol):
    obj = {"X": np.random.default_rng(0).random((20_000, 6)), "y": list(range(30_000)),
           "names": [f"column {i}" for i in range(5_000)]}
    data = pickle.dumps(obj, protocol=protocol)
    assert sum(op.name == "FRAME" for op, _, _ in pickletools.genops(data)) > 3
    loaded = load_pickle_safely(data)
    np.testing.assert_array_equal(loaded["X"], obj["X"])
    assert loaded["y"] == obj["y"]
    assert loaded["names"] == obj["names"]

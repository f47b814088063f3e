"""A pickle loader that admits numeric numpy arrays and nothing else.

``pickle.load`` calls whatever a file names: a "data" file can call ``os.system``. A pickle
reaches a callable only by naming it (the GLOBAL, STACK_GLOBAL, INST, OBJ and EXT opcodes),
and every one of those goes through ``Unpickler.find_class``. Here ``find_class`` answers
from a fixed table keyed by exactly the names numpy's own array pickles use, and refuses
every other name, so a hostile pickle stops at its first import, before anything runs.
Dicts, lists, tuples, strings and numbers need no ``find_class`` at all.

The table does not hand out numpy's real functions. numpy's C-level ``dtype.__setstate__``
trusts its input (a datetime dtype with a malformed state crashes the interpreter), so each
admitted name maps to a small stand-in written here that checks its arguments and calls
numpy only with a validated numeric dtype, a validated shape and a bytes buffer of exactly
the right length; the array is always copied out of that buffer.

=========================================  ===============================================
Name in the pickle                         Stand-in
=========================================  ===============================================
``numpy.dtype``                            :func:`_dtype_spec`: bool, int, uint, float only
``numpy.ndarray``                          a token that only ``_reconstruct`` accepts
``numpy[._]core.multiarray._reconstruct``  an array whose ``__setstate__`` is checked
                                           (protocols 0-4)
``numpy[._]core.numeric._frombuffer``      an array copied from a bytes buffer (protocol 5,
                                           the default since Python 3.8)
``numpy[._]core.multiarray.scalar``        a numpy scalar from its bytes
``_codecs.encode``                         latin-1 text back to bytes, nothing else
                                           (protocols 0-2 spell bytes so)
``builtins.bytes``, ``__builtin__.bytes``  ``b""`` only (protocols 0-2 spell it so)
=========================================  ===============================================

Both ``numpy.core`` (numpy 1.x, and the course's file) and ``numpy._core`` (numpy 2.x)
spellings are admitted; they make the same plain ``numpy.ndarray`` objects.
"""

from __future__ import annotations

import io
import math
import pickle
import pickletools
import re
import struct
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, BinaryIO, cast

import numpy as np

__all__ = [
    "ALLOWED_GLOBALS",
    "NUMERIC_KINDS",
    "RefusedPickleError",
    "RestrictedUnpickler",
    "describe_dtype",
    "restricted_load",
]

#: dtype kinds a data file may hold: bool, signed and unsigned integer, float.
NUMERIC_KINDS = frozenset("biuf")

_DTYPE_KIND_NAMES = {
    "c": "complex numbers",
    "O": "Python objects",
    "U": "text",
    "S": "bytes",
    "V": "structured records",
    "M": "dates",
    "m": "time spans",
    "a": "bytes",
}

# The dtype codes numpy's pickles write for bool, integer and float arrays ("f16" is
# long double on most 64-bit platforms, "f12" on some 32-bit ones).
_NUMERIC_CODE = re.compile(r"b1|[iu][1248]|f(?:2|4|8|12|16)")
_BYTE_ORDERS = ("<", ">", "|", "=")
_MAX_DIMS = 64  # numpy's own limit


def describe_dtype(dtype: np.dtype[Any]) -> str:
    """What an array of ``dtype`` holds, in words: ``"text"``, ``"Python objects"``, ..."""
    return _DTYPE_KIND_NAMES.get(dtype.kind, f"{dtype} values")


class RefusedPickleError(pickle.UnpicklingError):
    """The pickle names something outside the numeric-array table, holds a non-numeric
    array, or calls an admitted name in a way numpy never does. The message says what."""


def _misused(name: str) -> RefusedPickleError:
    return RefusedPickleError(
        f"the pickle calls {name} with arguments numpy's own array pickles never use"
    )


def _printable(text: str, limit: int = 60) -> str:
    """``text`` for a one-line message: as is if short and printable, else its repr, cut."""
    if text.isprintable() and len(text) <= limit:
        return text
    shown = repr(text)
    return shown if len(shown) <= limit else shown[: limit - 4] + "...'"


def _is_flag(value: object) -> bool:
    """A pickled boolean: ``True``/``False``, or ``0``/``1`` as older numpys wrote them."""
    return type(value) in (bool, int) and value in (0, 1)


# -- stand-ins for the admitted names --------------------------------------------------------


class _DTypeSpec:
    """A numeric dtype a pickle asked for; numpy's ``dtype.__setstate__`` never sees the
    pickle's state, :meth:`__setstate__` here reads the byte order from it."""

    __slots__ = ("byteorder", "dtype")

    def __init__(self, dtype: np.dtype[Any]) -> None:
        self.dtype = dtype
        self.byteorder = "="

    def __setstate__(self, state: object) -> None:
        # numpy writes (3, byteorder, subarray, names, fields, elsize, alignment, flags),
        # and version 4 appends metadata; a plain numeric type has no subarray, no fields.
        if not (isinstance(state, tuple) and len(state) in (8, 9)
                and type(state[0]) is int and state[0] in (3, 4)
                and isinstance(state[1], str) and state[1] in _BYTE_ORDERS
                and all(part is None for part in state[2:5])
                and (len(state) == 8 or state[8] is None)):
            raise _misused("numpy.dtype")
        self.byteorder = state[1]

    def resolve(self) -> np.dtype[Any]:
        if self.byteorder == "<":
            return self.dtype.newbyteorder("<")
        if self.byteorder == ">":
            return self.dtype.newbyteorder(">")
        return self.dtype


def _dtype_spec(code: object, align: object = False, copy: object = True) -> _DTypeSpec:
    """Stand-in for ``numpy.dtype(code, align, copy)``: numeric codes only."""
    # numpy 1.x wrote the flags as 0/1, numpy 2 as False/True.
    if not isinstance(code, str) or not _is_flag(align) or not _is_flag(copy):
        raise _misused("numpy.dtype")
    if not _NUMERIC_CODE.fullmatch(code):
        what = _DTYPE_KIND_NAMES.get(code.lstrip("<>|=")[:1], "values of a non-numeric type")
        raise RefusedPickleError(
            f"the pickle holds an array of {what} (dtype {code[:20]!r}); "
            "only numeric arrays (bool, integer, float) are accepted"
        )
    try:
        return _DTypeSpec(np.dtype(code))
    except TypeError as error:  # "f12" on a platform whose long double is 16 bytes
        raise RefusedPickleError(
            f"the pickle holds an array of dtype {code!r}, which this machine does not have"
        ) from error


class _NDArrayToken:
    """What ``numpy.ndarray`` means inside a pickle: an argument of ``_reconstruct``,
    not a class anyone can call."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "numpy.ndarray"


_NDARRAY = _NDArrayToken()


class _ArrayState:
    """What ``_reconstruct`` makes: an empty array whose data the pickle's BUILD supplies.
    :func:`_materialize` swaps it for the real array once the pickle is read."""

    __slots__ = ("array",)

    def __init__(self) -> None:
        self.array: np.ndarray | None = None

    def __setstate__(self, state: object) -> None:
        # numpy writes (version, shape, dtype, is_fortran, data); old numpys left out version.
        if isinstance(state, tuple) and len(state) == 5:
            state = state[1:]
        if self.array is not None or not isinstance(state, tuple) or len(state) != 4:
            raise _misused("numpy.ndarray.__setstate__")
        shape, dtype, is_fortran, data = state
        if not isinstance(dtype, _DTypeSpec) or not _is_flag(is_fortran):
            raise _misused("numpy.ndarray.__setstate__")
        self.array = _array_from_bytes(data, dtype, shape, "F" if is_fortran else "C")


def _reconstruct(subtype: object, shape: object, typecode: object) -> _ArrayState:
    """Stand-in for ``numpy.core.multiarray._reconstruct``: plain ndarrays only.

    numpy writes ``(ndarray, (0,), b"b")``; the shape and data come later, in the state.
    """
    if (subtype is not _NDARRAY or not isinstance(shape, tuple)
            or not isinstance(typecode, bytes | str)):
        raise _misused("numpy.core.multiarray._reconstruct")
    return _ArrayState()


def _frombuffer(buffer: object, dtype: object, shape: object, order: object) -> np.ndarray:
    """Stand-in for ``numpy.core.numeric._frombuffer`` (pickle protocol 5)."""
    if (not isinstance(buffer, bytes | bytearray) or not isinstance(dtype, _DTypeSpec)
            or not isinstance(order, str) or order not in ("C", "F")):
        raise _misused("numpy.core.numeric._frombuffer")
    return _array_from_bytes(buffer, dtype, shape, str(order))


def _scalar(dtype: object, data: object) -> np.generic:
    """Stand-in for ``numpy.core.multiarray.scalar``: a numpy scalar from its bytes."""
    if not isinstance(dtype, _DTypeSpec):
        raise _misused("numpy.core.multiarray.scalar")
    return cast(np.generic, _array_from_bytes(data, dtype, (), "C")[()])


def _array_from_bytes(data: object, spec: _DTypeSpec, shape: object, order: str
                      ) -> np.ndarray:
    """A new array (not a view of ``data``) after checking that ``data`` is exactly the
    bytes ``shape`` and the dtype need."""
    if isinstance(data, str):  # Python 2 pickles, read with encoding="latin1"
        data = data.encode("latin-1")
    if not isinstance(data, bytes | bytearray):  # object arrays keep a list here
        raise _misused("numpy.ndarray.__setstate__")
    if (not isinstance(shape, tuple | list) or len(shape) > _MAX_DIMS
            or not all(type(n) is int and n >= 0 for n in shape)):
        raise _misused("numpy.ndarray.__setstate__")
    dtype = spec.resolve()
    count = math.prod(shape)
    if count * dtype.itemsize != len(data):
        raise pickle.UnpicklingError(
            f"the array data has {len(data)} bytes, shape {tuple(shape)} of {dtype} "
            f"needs {count * dtype.itemsize}"
        )
    flat: np.ndarray
    if dtype.kind == "b":
        # numpy reads any byte as a bool but only 0 and 1 are well-defined: normalise.
        flat = np.frombuffer(data, dtype=np.uint8, count=count) != 0
    else:
        flat = np.frombuffer(data, dtype=dtype, count=count)
    return flat.reshape(tuple(shape), order="F" if order == "F" else "C").copy(order="K")


def _latin1_bytes(text: object, encoding: object = "utf-8", errors: object = "strict") -> bytes:
    """Stand-in for ``_codecs.encode`` that only turns a latin-1 string back into bytes."""
    if (not isinstance(text, str) or not isinstance(encoding, str)
            or encoding not in ("latin1", "latin-1") or errors != "strict"):
        raise _misused("_codecs.encode")
    return text.encode("latin-1")


def _empty_bytes(*args: object) -> bytes:
    """Stand-in for ``builtins.bytes`` that only makes ``b""``."""
    if args:
        raise _misused("builtins.bytes")
    return b""


def _allowed_globals() -> Mapping[tuple[str, str], object]:
    table: dict[tuple[str, str], object] = {
        ("numpy", "ndarray"): _NDARRAY,
        ("numpy", "dtype"): _dtype_spec,
        ("_codecs", "encode"): _latin1_bytes,
        # Protocols 0-2 write Python 3's builtins under its Python 2 name.
        ("builtins", "bytes"): _empty_bytes,
        ("__builtin__", "bytes"): _empty_bytes,
    }
    for package in ("numpy.core", "numpy._core"):
        table[(f"{package}.multiarray", "_reconstruct")] = _reconstruct
        table[(f"{package}.multiarray", "scalar")] = _scalar
        table[(f"{package}.numeric", "_frombuffer")] = _frombuffer
    return MappingProxyType(table)


#: (module, name) -> the stand-in handed to the pickle. Exact matches only: no attribute
#: paths ("ndarray.__class__"), no imports.
ALLOWED_GLOBALS = _allowed_globals()

# Readable names for the refusal message: os.system pickles as posix.system.
_MODULE_DISPLAY = {"posix": "os", "nt": "os", "__builtin__": "builtins"}


# -- the unpickler ---------------------------------------------------------------------------


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler whose ``find_class`` admits only :data:`ALLOWED_GLOBALS`, and whose
    ``load`` returns plain numpy arrays.

    ``encoding="latin1"`` is what numpy documents for array pickles written by Python 2.
    Prefer :func:`restricted_load`, which also checks the opcodes before unpickling.
    """

    def __init__(self, file: BinaryIO) -> None:
        super().__init__(file, encoding="latin1")

    def find_class(self, module: str, name: str) -> object:
        found = ALLOWED_GLOBALS.get((module, name))
        if found is None:
            shown = _printable(f"{_MODULE_DISPLAY.get(module, module)}.{name}")
            raise RefusedPickleError(
                f"the pickle wants to call {shown}, which a data file never needs "
                "(only numeric numpy arrays are accepted)"
            )
        return found

    def persistent_load(self, pid: object) -> object:
        raise RefusedPickleError(
            f"the pickle refers to an external object (a persistent id of type "
            f"{type(pid).__name__}), which a data file never needs "
            "(only numeric numpy arrays are accepted)"
        )

    def load(self) -> object:
        return _materialize(super().load(), {})


def _materialize(obj: object, done: dict[int, tuple[object, object]]) -> object:
    """``obj`` with every stand-in object replaced by the numpy object it describes.

    Lists and dicts are updated in place (they may be shared or contain themselves);
    tuples and sets are rebuilt. ``done`` maps id -> (original, result) and keeps the
    originals alive so that ids stay unique.
    """
    key = id(obj)
    if key in done:
        return done[key][1]
    result: object
    if isinstance(obj, _ArrayState):
        if obj.array is None:
            raise pickle.UnpicklingError("an array without its data")
        result = obj.array
    elif isinstance(obj, _DTypeSpec):
        result = obj.resolve()
    elif isinstance(obj, _NDArrayToken):
        raise pickle.UnpicklingError("numpy.ndarray without an array")
    elif isinstance(obj, list):
        done[key] = (obj, obj)
        obj[:] = [_materialize(item, done) for item in obj]
        return obj
    elif isinstance(obj, dict):
        done[key] = (obj, obj)
        items = [(_materialize(k, done), _materialize(v, done)) for k, v in obj.items()]
        obj.clear()
        obj.update(items)
        return obj
    elif isinstance(obj, tuple):
        result = tuple(_materialize(item, done) for item in obj)
    elif isinstance(obj, set | frozenset):
        result = type(obj)(_materialize(item, done) for item in obj)
    else:
        result = obj
    done[key] = (obj, result)
    return result


def _check_arrays(obj: object) -> None:
    """Refuse any array in ``obj`` (searched through dicts, lists, tuples, sets) whose dtype
    is not numeric, and any container that holds itself.

    The stand-ins make only numeric arrays; this states the promise.  A pickle can build a
    cycle in a few bytes (``]q\x00h\x00a.`` is ``l = []; l.append(l)``), and a data file
    never holds one: whatever walks the data afterwards (counting its values, numpy making
    an array of it) would go round forever.  Depth-first without recursion (pickles nest
    deeply): a container met again while it is still being walked is a cycle; one met
    again after its walk is shared, which is fine.
    """
    done: set[int] = set()
    walking: set[int] = set()
    # (item, True) enters an item; (item, False) leaves a container after its contents.
    stack: list[tuple[object, bool]] = [(obj, True)]
    while stack:
        item, entering = stack.pop()
        key = id(item)
        if not entering:
            walking.discard(key)
            done.add(key)
            continue
        if key in walking:
            raise RefusedPickleError(
                f"the pickle holds a {type(item).__name__} that contains itself; a data "
                "file holds numeric arrays, never a cycle"
            )
        if key in done:
            continue
        if isinstance(item, np.ndarray | np.generic):
            if item.dtype.kind not in NUMERIC_KINDS:
                raise RefusedPickleError(
                    f"the pickle holds an array of {describe_dtype(item.dtype)} "
                    f"(dtype {item.dtype}); "
                    "only numeric arrays (bool, integer, float) are accepted"
                )
            done.add(key)
            continue
        contents: list[object]
        if isinstance(item, dict):
            contents = [*item.keys(), *item.values()]
        elif isinstance(item, list | tuple | set | frozenset):
            contents = list(item)
        else:
            done.add(key)
            continue
        walking.add(key)
        stack.append((item, False))
        stack.extend((content, True) for content in contents)


def restricted_load(data: bytes | bytearray | memoryview | BinaryIO) -> object:
    """Unpickle ``data`` admitting only numeric numpy arrays and plain containers.

    Parameters
    ----------
    data
        The pickle's bytes, or a binary stream positioned at its start.

    Returns
    -------
    object
        The unpickled object: plain ``numpy.ndarray`` objects of a numeric dtype, numpy
        scalars, numbers, strings, and dicts, lists and tuples of those.

    Raises
    ------
    RefusedPickleError
        If the pickle names anything outside the table (nothing has been called), asks
        for an array whose dtype is not bool, integer or float, or calls an admitted name
        with arguments numpy never writes.
    pickle.UnpicklingError, EOFError, ValueError, TypeError, RecursionError
        As ``pickle`` raises them for truncated or malformed input.
    """
    raw = bytes(data) if isinstance(data, bytes | bytearray | memoryview) else data.read()
    _check_opcodes(raw)
    result = RestrictedUnpickler(io.BytesIO(raw)).load()
    _check_arrays(result)
    return result


_MEMO_PUTS = frozenset({"PUT", "BINPUT", "LONG_BINPUT"})


def _check_opcodes(raw: bytes) -> None:
    """Walk the opcodes before unpickling and stop sizes the data cannot back.

    The C unpickler trusts two kinds of numbers before it has the data behind them:

    - a counted opcode's length: it allocates the buffer first, so a corrupt length asks
      for gigabytes (and on CPython 3.11 a failed BYTEARRAY8 allocation also prints a
      spurious "SystemError: deallocated bytearray object has exported buffers");
      ``pickletools`` reads without preallocating and reports the shortfall;
    - a memo index: ``LONG_BINPUT 2**31`` grows and zero-fills a memo table of 2**31
      slots (16 GiB). Picklers number memo entries 0, 1, 2, ..., one per memoized
      object, so an index as large as the pickle itself is never real.

    And a frame must end between two opcodes (picklers only cut frames there): when an
    opcode's length field straddles a frame's end, the C unpickler reads a wrong length.
    """
    starts: set[int] = set()
    frame_ends: list[int] = []
    end = 0
    try:
        for opcode, argument, position in pickletools.genops(raw):
            assert position is not None  # genops on bytes knows every offset
            starts.add(position)
            end = position + 1  # the last opcode is STOP, one byte
            if opcode.name == "FRAME" and isinstance(argument, int):
                frame_ends.append(position + 9 + argument)  # opcode, 8-byte length, frame
            elif (opcode.name in _MEMO_PUTS and isinstance(argument, int)
                    and not 0 <= argument < len(raw)):
                raise pickle.UnpicklingError(
                    f"memo index {argument} is beyond what a {len(raw)}-byte pickle holds"
                )
    # A Warning arrives here only when the filters turn warnings into errors: pickletools
    # warns about bad escapes in the text of a malformed pickle.
    except (ValueError, struct.error, Warning) as error:
        raise pickle.UnpicklingError(str(error)) from error
    starts.add(end)
    for frame_end in frame_ends:
        if frame_end not in starts:
            raise pickle.UnpicklingError(f"a frame ends at byte {frame_end}, inside an opcode")

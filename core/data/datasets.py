"""Datasets: one row per sample, feature columns ``x1..xk`` and a target ``y``.

A dataset comes from a file the user picks (``.csv``, ``.npy``, ``.npz``, ``.pkl`` /
``.pickle``) or is the built-in one shipped in ``resources/builtin_data.csv``. Whatever the
format, loading ends in the same checks, and every problem is a :class:`DataError` whose
one-line message names the file and says what is wrong and where ("row 17, column 3 (x3) is
NaN"), so the window can show it and the command line can print it and exit 2.

Pickles are read with :mod:`core.data.safe_pickle`, which admits numeric numpy arrays only: a
pickle that would run code is refused before anything in it runs.
"""

from __future__ import annotations

import codecs
import csv
import functools
import hashlib
import io
import math
import os
import pickle
import zipfile
import zlib
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from core.data.safe_pickle import NUMERIC_KINDS, RefusedPickleError, describe_dtype, restricted_load
from core.numbers import count
from core.user_files import (
    check_regular,
    read_bytes,
    size_words,
    unreadable,
)

__all__ = [
    "BUILTIN_DATA_PATH",
    "BUILTIN_SOURCE",
    "SUPPORTED_SUFFIXES",
    "DataError",
    "Dataset",
    "LoadCancelledError",
    "LoadProgress",
    "builtin_dataset",
    "file_error",
    "load_dataset",
    "load_pickle_safely",
]

#: ``Dataset.source`` of the built-in data.
BUILTIN_SOURCE = "built-in"
#: The built-in data; ``resources/make_builtin_data.py`` writes it.
BUILTIN_DATA_PATH = Path(__file__).resolve().parents[2] / "resources" / "builtin_data.csv"
#: File extensions :func:`load_dataset` reads (case-insensitive).
SUPPORTED_SUFFIXES = (".csv", ".npy", ".npz", ".pkl", ".pickle")

# Keys (case-insensitive) under which a dict or .npz holds the features and the targets.
_X_KEYS = ("x", "features")
_Y_KEYS = ("y", "target")
_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGIC = b"PK"
_SHOWN_CHARS = 40  # longest piece of a user's file quoted in a message

#: The memory budget of one data file, checked before anything large is allocated: the
#: file itself may be at most this large (it is read whole), and so may the table it
#: declares or holds, counted as float64 values (8 bytes each, e.g. 33 million values:
#: 5.5 million rows of 6 columns).  .npy headers, .npz members (their declared
#: uncompressed sizes and array headers), CSV line counts and pickled nests are measured
#: against it before reading, so a 144-byte file that claims terabytes or a zip that
#: unpacks to gigabytes is refused with its size and this limit.
MAX_DATA_BYTES = 256 * 2**20


class DataError(ValueError):
    """A data file cannot be used. The message is one line: the file, then the problem."""


class LoadCancelledError(Exception):
    """Raised by a :data:`LoadProgress` callback to stop a load (the user cancelled it);
    :func:`load_dataset` lets it through untouched."""


#: Called now and then during a load with the fraction done, in [0, 1].  It may raise
#: :class:`LoadCancelledError` to stop the load; it runs on the loading thread.
LoadProgress = Callable[[float], None]


def _no_progress(fraction: float) -> None:
    del fraction


@dataclass(frozen=True, eq=False, repr=False)
class Dataset:
    """An immutable table of samples: features ``X`` and targets ``y``.

    The arrays are float64 copies owned by the dataset and made read-only, so a dataset can
    be shared (and cached) freely.

    Parameters
    ----------
    X
        Features, shape ``(n_samples, n_features)``; column ``j`` feeds graph input
        ``x{j+1}``.
    y
        Targets, shape ``(n_samples,)``.
    source
        The path as the user gave it, or ``"built-in"``.
    feature_names
        Column names for display; empty means ``("x1", ..., "xk")``.
    target_name
        The target's name for display (a CSV header's, else ``"y"``).
    """

    X: np.ndarray
    y: np.ndarray
    source: str
    feature_names: tuple[str, ...] = ()
    target_name: str = "y"

    def __post_init__(self) -> None:
        X = np.array(self.X, dtype=np.float64, order="C")
        y = np.array(self.y, dtype=np.float64, order="C")
        if X.ndim != 2:
            raise DataError(f"{self.source}: X must be 2-D (samples x features), "
                            f"got shape {X.shape}")
        if y.shape != (X.shape[0],):
            raise DataError(f"{self.source}: y must have shape ({X.shape[0]},) to match X, "
                            f"got {y.shape}")
        names = tuple(self.feature_names) or default_feature_names(X.shape[1])
        if len(names) != X.shape[1]:
            raise DataError(f"{self.source}: {len(names)} feature names "
                            f"for {X.shape[1]} feature columns")
        X.setflags(write=False)
        y.setflags(write=False)
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "feature_names", names)

    def __len__(self) -> int:
        return int(self.X.shape[0])

    def __repr__(self) -> str:
        return (f"Dataset({self.source!r}, {self.n_samples} samples, "
                f"{self.n_features} features)")

    @property
    def n_samples(self) -> int:
        """Number of rows."""
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        """Number of feature columns."""
        return int(self.X.shape[1])

    @property
    def display_name(self) -> str:
        """How messages name the data: the path, or "the built-in data"."""
        return "the built-in data" if self.source == BUILTIN_SOURCE else self.source

    def row(self, i: int) -> tuple[np.ndarray, float]:
        """Sample ``i``: its (read-only) feature row and its target.

        Raises
        ------
        IndexError
            If ``i`` is not in ``range(-n_samples, n_samples)``.
        """
        n = self.n_samples
        if not -n <= i < n:
            raise IndexError(f"sample {i} is out of range: {self.display_name} "
                             f"has {n} samples")
        return self.X[i], float(self.y[i])

    def require_features(self, n: int) -> None:
        """Check that a graph reading inputs ``x1..xn`` can run on this data.

        Raises
        ------
        DataError
            If the data has fewer than ``n`` feature columns.
        """
        if n <= self.n_features:
            return
        uses = "x1" if n == 1 else f"x1..x{n}"
        raise DataError(f"{self.display_name} has {_count(self.n_features, 'feature column')} "
                        f"but the graph uses {uses}")


def default_feature_names(k: int) -> tuple[str, ...]:
    """``("x1", ..., "xk")``: the names graph inputs use for the feature columns."""
    return tuple(f"x{j}" for j in range(1, k + 1))


# -- public loaders ------------------------------------------------------------------------


def load_dataset(path: str | os.PathLike[str], target_column: int = -1, *,
                 progress: LoadProgress | None = None, sha256: str | None = None) -> Dataset:
    """Load a dataset from a ``.csv``, ``.npy``, ``.npz``, ``.pkl`` or ``.pickle`` file.

    A file holds either one 2-D table (one row per sample; the target is column
    ``target_column``, the features are the other columns in order) or, in a ``.npz`` or
    a pickled dict / 2-tuple, separate ``X`` and ``y`` arrays. Integers and booleans
    become float64.

    Parameters
    ----------
    path
        The file. Its extension picks the format.
    target_column
        Which column of a table is the target; negative counts from the end (default:
        the last). Ignored for files that store ``X`` and ``y`` separately.

    progress
        Called with the fraction done as the file is read and parsed (a CSV row by row,
        other formats in a few stages); raising :class:`LoadCancelledError` from it stops
        the load.  Loading from a worker thread with a progress callback is how the window
        keeps responsive on large files.
    sha256
        The SHA-256 (hex) the file's bytes must have: the bytes read are hashed and
        parsed, so the file is read once and what is checked is what is loaded.

    Returns
    -------
    Dataset
        With ``source`` = ``path`` as given.

    Raises
    ------
    DataError
        If the file is missing, unreadable, of an unsupported type, empty, truncated or
        corrupt; if a pickle would run code or holds non-numeric data; if the table is not
        2-D with at least one row and two columns; if a value is not a number, NaN or
        infinite; if CSV rows are ragged; if ``target_column`` is out of range; if its
        bytes do not have the ``sha256`` given.
    """
    source = os.fspath(path)
    if not source.strip():
        raise DataError("no data file given: the path is empty")
    # The one place where whatever a reader or numpy raises on a hostile file becomes a
    # DataError: the command line and the window's Open data both come through here.
    try:
        return _load(Path(source), source, target_column, progress or _no_progress, sha256)
    except (DataError, LoadCancelledError):
        raise
    except MemoryError as error:
        raise DataError(f"{source}: there is not enough memory to load it") from error
    except RecursionError as error:
        raise DataError(f"{source}: the data is nested too deeply") from error
    except OSError as error:
        raise DataError(unreadable(source, error, "data file")) from error
    except Exception as error:  # any reader's failure on a malformed file
        detail = _shorten(str(error)) or type(error).__name__
        raise DataError(f"{source}: cannot be read as data ({detail})") from error


@functools.cache
def builtin_dataset() -> Dataset:
    """The built-in dataset (cached): 506 samples, 5 standardized features, and targets
    that the seed graph fits exactly with all nine weights = 1.0.

    See ``resources/make_builtin_data.py`` for how it is made.
    """
    try:
        return _load(BUILTIN_DATA_PATH, BUILTIN_SOURCE, -1, _no_progress)
    except DataError as error:
        raise DataError(f"the built-in dataset ({BUILTIN_DATA_PATH}) cannot be loaded: "
                        f"{error}") from error


def load_pickle_safely(data: bytes | BinaryIO, source: str = "pickle") -> object:
    """Unpickle ``data`` admitting only numeric numpy arrays (and dicts, lists, tuples).

    Parameters
    ----------
    data
        The pickle's bytes, or a binary stream at its start.
    source
        How messages name the data (usually the file's path).

    Returns
    -------
    object
        The unpickled object; every array in it has a bool, integer or float dtype.

    Raises
    ------
    DataError
        "refused to load" if the pickle names anything but numpy's array reconstruction
        (nothing in it has run), asks for an object, text or complex array, or calls the
        reconstruction with arguments numpy never writes; "truncated or corrupt" if it
        cannot be unpickled.
    """
    if isinstance(data, bytes) and not data:
        raise DataError(f"{source}: the file is empty")
    try:
        return restricted_load(data)
    except RefusedPickleError as error:
        raise DataError(f"{source}: refused to load: {error}") from error
    except MemoryError as error:
        raise DataError(f"{source}: the pickle asks for more memory than there is") from error
    # Malformed opcodes surface as any of these, from pickle or from the stand-ins' checks.
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError,
            IndexError, KeyError, OverflowError, RecursionError) as error:
        detail = _shorten(str(error)) or type(error).__name__
        raise DataError(f"{source}: truncated or corrupt pickle ({detail})") from error


# -- reading files -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    """One 2-D table from a file, unchecked: features and target side by side."""

    values: object
    header: tuple[str, ...] | None = None
    #: CSV only: the file line of each data row, for messages.
    lines: Sequence[int] | None = None


@dataclass(frozen=True)
class _Split:
    """Separate features and targets from a file, unchecked."""

    X: object
    y: object


_Reader = Callable[[bytes, str, LoadProgress], _Table | _Split]


def _load(path: Path, source: str, target_column: int, progress: LoadProgress,
          sha256: str | None = None) -> Dataset:
    progress(0.0)
    _check_is_file(path, source)
    suffix = path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        what = f"file type {suffix!r}" if suffix else "file (no extension)"
        raise DataError(f"{source}: unsupported {what}; supported: "
                        f"{', '.join(SUPPORTED_SUFFIXES)}")
    raw = _read_file(path, source)
    if sha256 is not None and hashlib.sha256(raw).hexdigest() != sha256:
        raise DataError(f"{source}: the file changed since this run was set up "
                        f"(its sha256 differs)")
    if not raw:
        raise DataError(f"{source}: the file is empty")
    progress(0.1)
    parsed = reader(raw, source, progress)
    progress(0.9)
    dataset = (_split_dataset(parsed, source) if isinstance(parsed, _Split)
               else _table_dataset(parsed, source, target_column))
    progress(1.0)
    return dataset


def file_error(error: OSError | ValueError, source: str) -> DataError:
    """A refusal of :mod:`core.user_files` as a data file's one-line message."""
    return DataError(unreadable(source, error, "data file"))


def _check_is_file(path: Path, source: str) -> None:
    try:
        check_regular(path)
    except (OSError, ValueError) as error:
        raise file_error(error, source) from error


def _read_file(path: Path, source: str) -> bytes:
    try:
        return read_bytes(path, MAX_DATA_BYTES)
    except (OSError, ValueError) as error:
        raise file_error(error, source) from error


def _read_pickle(raw: bytes, source: str, progress: LoadProgress = _no_progress
                 ) -> _Table | _Split:
    del progress  # read in one go
    if raw.startswith(_NPY_MAGIC):
        raise DataError(f"{source}: this is a .npy file, not a pickle; name it *.npy")
    if raw.startswith(_ZIP_MAGIC):
        raise DataError(f"{source}: this is a zip archive, not a pickle; "
                        "if numpy wrote it, name it *.npz")
    obj = load_pickle_safely(raw, source)
    if isinstance(obj, np.ndarray):
        return _Table(obj)
    if isinstance(obj, dict):
        return _split_from_mapping(obj, source, "the pickled dict", "X and y")
    if isinstance(obj, list | tuple):
        if len(obj) == 2 and _ndim(obj[0]) == 2:
            return _Split(obj[0], obj[1])
        return _Table(obj)
    if isinstance(obj, str | bytes | bytearray):
        raise DataError(f"{source}: the pickle holds text ({type(obj).__name__}), "
                        "not a numeric array")
    if isinstance(obj, bool | int | float | complex | np.generic):
        raise DataError(f"{source}: the pickle holds a single number, not a table")
    raise DataError(f"{source}: the pickle holds a {type(obj).__name__}, "
                    "not a numeric array")


def _numpy_value_error(error: ValueError, source: str, kind: str) -> DataError:
    """numpy's ValueError on reading: object arrays (refused by ``allow_pickle=False``)
    or a damaged file."""
    if "allow_pickle" in str(error):
        return DataError(f"{source}: holds an array of Python objects, which is not "
                         "loaded (only numeric arrays are accepted)")
    return DataError(f"{source}: truncated or corrupt {kind} file ({_shorten(str(error))})")


def _npy_header(stream: BinaryIO, source: str, member: str | None = None
                ) -> tuple[tuple[int, ...], np.dtype[Any]]:
    """Shape and dtype from a .npy header (of an .npz ``member``), read without touching
    the data; a header that does not parse (numpy raises ValueError, SyntaxError or
    tokenize's TokenError on garbled ones) is a DataError."""
    kind, of = (".npy", "") if member is None else (".npz", f" of {member}")
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(stream)
        else:
            raise ValueError(f"format version {version} is not supported")
    except Exception as error:  # whatever numpy's header parser raises
        detail = error.args[0] if error.args and isinstance(error.args[0], str) else error
        raise DataError(f"{source}: truncated or corrupt {kind} file (unreadable header"
                        f"{of}: {_shorten(str(detail)) or type(error).__name__})") from error
    if dtype.hasobject:
        holder = "" if member is None else f"{member} "
        raise DataError(f"{source}: {holder}holds an array of Python objects, which is not "
                        "loaded (only numeric arrays are accepted)")
    return tuple(int(n) for n in shape), dtype


def _check_declared(count: int, source: str, what: str) -> None:
    """Refuse a table of ``count`` values over the budget, before it exists."""
    needed = count * np.dtype(np.float64).itemsize
    if needed > MAX_DATA_BYTES:
        raise DataError(f"{source}: {what} declares {count:,} values ({_bytes(needed)} as "
                        f"float64); the limit is {_bytes(MAX_DATA_BYTES)}")


def _read_npy(raw: bytes, source: str, progress: LoadProgress = _no_progress
              ) -> _Table:
    del progress  # read in one go
    if not raw.startswith(_NPY_MAGIC):
        raise DataError(f"{source}: not a .npy file (it lacks numpy's header)")
    stream = io.BytesIO(raw)
    shape, dtype = _npy_header(stream, source)
    count = math.prod(shape)
    _check_declared(count, source, f"the header (shape {shape})")
    available = len(raw) - stream.tell()
    if count * dtype.itemsize > available:
        raise DataError(f"{source}: truncated or corrupt .npy file: the header declares "
                        f"shape {shape} of {dtype} ({count * dtype.itemsize:,} bytes), the file "
                        f"holds {available:,}")
    try:
        array = np.lib.format.read_array(io.BytesIO(raw), allow_pickle=False)
    except ValueError as error:
        raise _numpy_value_error(error, source, ".npy") from error
    except (EOFError, OSError, SyntaxError, TypeError) as error:  # a garbled header
        raise DataError(f"{source}: truncated or corrupt .npy file") from error
    return _Table(array)


def _check_archive(raw: bytes, source: str) -> None:
    """Every member's declared uncompressed size, and the shape in its .npy header, within
    the budget before numpy unpacks anything (a 1 MB archive can unpack to gigabytes)."""
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        members = archive.infolist()
        total = sum(member.file_size for member in members)
        # The header of each member comes on top of its values: allow a page for it.
        if total > MAX_DATA_BYTES + 4096 * len(members):
            largest = max(members, key=lambda member: member.file_size)
            raise DataError(f"{source}: the archive unpacks to {_bytes(total)} "
                            f"({largest.filename} alone {_bytes(largest.file_size)}); the "
                            f"limit is {_bytes(MAX_DATA_BYTES)}")
        count = 0
        for member in members:
            if not member.filename.endswith(".npy"):
                continue
            with archive.open(member) as stream:
                shape, _ = _npy_header(stream, source, member.filename)  # type: ignore[arg-type]
            count += math.prod(shape)
            _check_declared(count, source, f"{member.filename} (shape {shape})")


def _read_npz(raw: bytes, source: str, progress: LoadProgress = _no_progress
              ) -> _Table | _Split:
    del progress  # read in one go
    if not raw.startswith(_ZIP_MAGIC) or not zipfile.is_zipfile(io.BytesIO(raw)):
        raise DataError(f"{source}: truncated or corrupt .npz file "
                        "(not a readable zip archive)")
    _check_archive(raw, source)
    try:
        with np.load(io.BytesIO(raw), allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except ValueError as error:
        raise _numpy_value_error(error, source, ".npz") from error
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError,
            SyntaxError, TypeError) as error:
        raise DataError(f"{source}: truncated or corrupt .npz file "
                        f"({_shorten(str(error))})") from error
    if not arrays:
        raise DataError(f"{source}: the archive holds no arrays")
    if len(arrays) == 1:
        return _Table(next(iter(arrays.values())))
    return _split_from_mapping(arrays, source, "the archive",
                               "one 2-D table, or X and y")


def _read_text_table(raw: bytes, source: str, progress: LoadProgress = _no_progress
                     ) -> _Table:
    """Comma-, semicolon- or whitespace-separated numbers; ``#`` starts a comment line.

    The first row is a header when none of its fields is a number. The delimiter is taken
    from the first row: ``;`` if it has one (then ``1,5`` also reads as 1.5), else ``,`` if
    it has one, else runs of whitespace.
    """
    if b"\n" not in raw:  # old Mac line ends, or a single line
        raw = raw.replace(b"\r", b"\n")
    bom = len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0

    def data_lines() -> Iterator[tuple[int, str]]:
        # One line at a time, decoded as it comes: a million lines held at once (or one
        # huge text copied whole, which holds the interpreter for the copy) would cost
        # more than the table, and stall a window loading in the background.
        offset = bom
        stream = io.BytesIO(raw)
        stream.seek(bom)
        for number, chunk in enumerate(stream, start=1):
            try:
                line = chunk.decode("utf-8")
            except UnicodeDecodeError as error:
                at = offset + error.start
                raise DataError(f"{source}: not a UTF-8 text file (byte {raw[at]:#04x} at "
                                f"offset {at})") from error
            offset += len(chunk)
            if line.strip() and not line.lstrip().startswith("#"):
                yield number, line.rstrip("\r\n")

    rows = data_lines()
    first_row = next(rows, None)
    if first_row is None:
        raise DataError(f"{source}: no data rows (only blank or comment lines)")
    first = first_row[1]
    delimiter = ";" if ";" in first else "," if "," in first else None
    decimal_comma = delimiter == ";"

    def split(number: int, line: str) -> list[str]:
        if delimiter is None:
            return line.split()
        try:
            return [field.strip() for field in next(csv.reader([line], delimiter=delimiter))]
        except csv.Error as error:
            raise DataError(f"{source}, line {number}: {error}") from error

    header: tuple[str, ...] | None = None
    first_fields = split(*first_row)
    n_rows = 1 + sum(1 for _ in rows)
    rows = data_lines()
    if all(_parse_number(field, decimal_comma) is None for field in first_fields):
        header = tuple(field.strip("\"'") for field in first_fields)
        next(rows)
        n_rows -= 1
        if not n_rows:
            raise DataError(f"{source}: a header row but no data rows")
    n_columns = len(header) if header is not None else len(first_fields)
    expected_from = "the header" if header is not None else "row 1"
    _check_declared(n_rows * n_columns, source,
                    f"the table ({n_rows:,} rows of {_count(n_columns, 'column')})")
    values = np.empty((n_rows, n_columns), dtype=np.float64)
    lines = array("q", bytes(8 * n_rows))  # file line of each row, for messages
    for r, (number, line) in enumerate(rows):
        if not r % 8192:  # parsing is most of a large file's time: report from 0.1 to 0.9
            progress(0.1 + 0.8 * r / n_rows)
        lines[r] = number
        fields = split(number, line)
        if len(fields) != n_columns:
            raise DataError(f"{source}: {_row_label(r, lines)} has "
                            f"{_count(len(fields), 'column')}, expected {n_columns} "
                            f"(as in {expected_from})")
        for c, field in enumerate(fields):
            value = _parse_number(field, decimal_comma)
            if value is None:
                place = f"{source}, {_row_label(r, lines)}, column {c + 1}"
                if not field:
                    raise DataError(f"{place} is empty")
                raise DataError(f"{place}: {_quote(field)} is not a number")
            values[r, c] = value
    return _Table(values, header, lines)


_READERS: Mapping[str, _Reader] = {
    ".csv": _read_text_table,
    ".npy": _read_npy,
    ".npz": _read_npz,
    ".pkl": _read_pickle,
    ".pickle": _read_pickle,
}


# -- checking ------------------------------------------------------------------------------


def _table_dataset(table: _Table, source: str, target_column: int) -> Dataset:
    values = _numeric(table.values, source, "the data")
    if values.ndim != 2:
        raise DataError(f"{source}: the data {_shape_problem(values)}; need a 2-D table with one "
                        "row per sample: feature columns, then the target")
    n_rows, n_columns = values.shape
    if n_columns < 2:
        raise DataError(f"{source}: the table has {_count(n_columns, 'column')}; need at "
                        "least 2 (one or more features, then the target)")
    if n_rows < 1:
        raise DataError(f"{source}: the table has no rows")
    if not -n_columns <= target_column < n_columns:
        raise DataError(f"{source}: target column {target_column} is out of range for "
                        f"{_count(n_columns, 'column')}")
    target = target_column % n_columns
    feature_columns = [j for j in range(n_columns) if j != target]
    defaults = default_feature_names(len(feature_columns))
    header = table.header
    names = defaults if header is None else tuple(
        header[j] or default for j, default in zip(feature_columns, defaults, strict=True)
    )
    target_name = (header[target] if header is not None else "") or "y"
    labels = [""] * n_columns
    for j, label in zip(feature_columns, names, strict=True):
        labels[j] = label
    labels[target] = target_name
    _check_finite(values, source, "", labels, table.lines)
    return Dataset(values[:, feature_columns], values[:, target], source,
                   feature_names=names, target_name=target_name)


def _split_dataset(split: _Split, source: str) -> Dataset:
    X = _numeric(split.X, source, "X")
    y = _numeric(split.y, source, "y")
    if X.ndim != 2:
        raise DataError(f"{source}: X {_shape_problem(X)}; need 2-D: one row per "
                        "sample, one column per feature")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise DataError(f"{source}: y has shape {y.shape}; need 1-D: one target per sample")
    if X.shape[0] != y.shape[0]:
        raise DataError(f"{source}: X has {_count(X.shape[0], 'row')} "
                        f"but y has {y.shape[0]}")
    if X.shape[0] < 1:
        raise DataError(f"{source}: X and y have no rows")
    if X.shape[1] < 1:
        raise DataError(f"{source}: X has no feature columns")
    names = default_feature_names(X.shape[1])
    _check_finite(X, source, "X ", list(names), None)
    _check_finite(y, source, "y ", [], None)
    return Dataset(X, y, source, feature_names=names)


def _split_from_mapping(mapping: Mapping[object, object], source: str, what: str,
                        expected: str) -> _Split:
    lowered = {key.lower(): key for key in mapping if isinstance(key, str)}
    x_key = next((lowered[k] for k in _X_KEYS if k in lowered), None)
    y_key = next((lowered[k] for k in _Y_KEYS if k in lowered), None)
    if x_key is None or y_key is None:
        keys = ", ".join(_quote(key) for key in list(mapping)[:10])
        more = ", ..." if len(mapping) > 10 else ""
        raise DataError(f"{source}: {what} has keys {keys or '(none)'}{more}; "
                        f"expected {expected}")
    return _Split(mapping[x_key], mapping[y_key])


def _numeric(value: object, source: str, what: str) -> np.ndarray:
    """``value`` as a float64 array, or a DataError saying what it holds instead."""
    # A pickle can list one array a million times by reference: count before numpy copies.
    _check_declared(_nested_size(value), source, what)
    try:
        array = np.asarray(value)
    except (ValueError, TypeError, OverflowError, RecursionError) as error:
        raise DataError(f"{source}: {what} is not a rectangular table of numbers "
                        "(rows of different lengths?)") from error
    if array.dtype.kind not in NUMERIC_KINDS:
        raise DataError(f"{source}: {what} holds {describe_dtype(array.dtype)} "
                        f"(dtype {array.dtype}), not numbers")
    return array.astype(np.float64)


def _nested_size(value: object) -> int:
    """How many numbers ``np.asarray(value)`` would hold at least (arrays count their
    size; lists and tuples the sum of their items), stopping once past the budget."""
    limit = MAX_DATA_BYTES // 8 + 1
    total = 0
    stack = [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, np.ndarray):
            total += int(item.size)
        elif isinstance(item, list | tuple):
            if not item:
                continue
            stack.extend(item)
        else:
            total += 1
    return total


def _check_finite(values: np.ndarray, source: str, prefix: str, labels: Sequence[str],
                  lines: Sequence[int] | None) -> None:
    bad = ~np.isfinite(values)
    if not bad.any():
        return
    where = tuple(int(k) for k in np.argwhere(bad)[0])
    value = float(values[where])
    problem = "NaN" if np.isnan(value) else "infinite (inf)" if value > 0 else \
        "infinite (-inf)"
    place = f"{prefix}{_row_label(where[0], lines)}"
    if len(where) == 2:
        place += f", column {where[1] + 1} ({labels[where[1]]})"
    raise DataError(f"{source}, {place} is {problem}")


# -- wording -------------------------------------------------------------------------------


def _parse_number(field: str, decimal_comma: bool) -> float | None:
    text = field.strip()
    if decimal_comma and text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    if not text or "_" in text:  # float() takes "1_000"; a data file never means that
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _ndim(value: object) -> int:
    try:
        return int(np.asarray(value).ndim)
    except (ValueError, TypeError, RecursionError):
        return -1


def _row_label(index: int, lines: Sequence[int] | None) -> str:
    """``row 4`` (1-based), with the file line when it differs (headers, blank lines)."""
    label = f"row {index + 1}"
    if lines is not None and lines[index] != index + 1:
        label += f" (line {lines[index]})"
    return label


def _shape_problem(array: np.ndarray) -> str:
    if array.ndim == 0:
        return "is a single number, not a table"
    return f"is a {array.ndim}-D array (shape {array.shape})"


_bytes = size_words  # a size for people: 256 MiB, 4.5 GiB


_count = count  # one rule for "1 column", "3 columns"


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 2 * _SHOWN_CHARS else text[: 2 * _SHOWN_CHARS - 3] + "..."


def _quote(value: object) -> str:
    shown = repr(value)
    return shown if len(shown) <= _SHOWN_CHARS else shown[: _SHOWN_CHARS - 4] + "...'"

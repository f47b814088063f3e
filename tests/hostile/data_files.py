"""Hostile data files, made small: headers that claim terabytes, archives that unpack to
gigabytes, garbled headers, a sparse file that says it is 6 GiB."""

from __future__ import annotations

import io
import pickle
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np


def npy_bytes(header: str) -> bytes:
    """A version 1.0 .npy header (padded as numpy pads it), without data."""
    text = header.encode("latin-1")
    text += b" " * (64 - (10 + len(text) + 1) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text


def claiming_npy(tmp: Path, shape: tuple[int, ...]) -> Path:
    path = tmp / "claims.npy"
    path.write_bytes(npy_bytes(f"{{'descr': '<f8', 'fortran_order': False, "
                               f"'shape': {shape}, }}") + bytes(16))
    return path


def terabyte_npy(tmp: Path) -> Path:
    """144 bytes whose header claims 6 x 10^12 float64 values (43.7 TiB)."""
    return claiming_npy(tmp, (3_000_000, 2_000_000))


def gigabytes_npy(tmp: Path) -> Path:
    """A header claiming 4.5 GiB."""
    return claiming_npy(tmp, (100_000_000, 6))


def garbled_npy(tmp: Path) -> Path:
    """A header whose dict never closes a string: numpy's parser raises TokenError."""
    path = tmp / "garbled.npy"
    path.write_bytes(npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), '''}"))
    return path


def terabyte_npz(tmp: Path) -> Path:
    path = tmp / "claims.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("data.npy", terabyte_npy(tmp).read_bytes())
    return path


def zip_bomb_npz(tmp: Path) -> Path:
    """About 1 MB that unpacks to 1 GiB: a .npy of 16,777,216 x 8 zeros, deflated.

    Built in a blink: a 16 MiB block of zeros is compressed once with a full flush (which
    makes it independent of what comes before) and repeated; the zip around it is written
    by hand because :mod:`zipfile` would compress the whole gigabyte itself."""
    chunk = 1 << 24
    header = npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (16777216, 8), }")
    first = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = first.compress(header) + first.flush(zlib.Z_FULL_FLUSH)
    zeros = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = zeros.compress(bytes(chunk)) + zeros.flush(zlib.Z_FULL_FLUSH)
    data = head + block * 64 + zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    crc = zlib.crc32(header)
    zero_chunk = bytes(chunk)
    for _ in range(64):
        crc = zlib.crc32(zero_chunk, crc)
    size = len(header) + 64 * chunk
    name = b"data.npy"
    fields = struct.pack("<HHHHHIII", 20, 0, 8, 0, 0x21, crc, len(data), size)
    local = b"PK\x03\x04" + fields + struct.pack("<HH", len(name), 0) + name
    central = (b"PK\x01\x02" + struct.pack("<H", 20) + fields
               + struct.pack("<HHHHHII", len(name), 0, 0, 0, 0, 0, 0) + name)
    end_record = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, 1, 1, len(central),
                                               len(local) + len(data), 0)
    path = tmp / "bomb.npz"
    path.write_bytes(local + data + central + end_record)
    return path


def sparse_csv(tmp: Path) -> Path:
    """A 6 GiB CSV that takes no disk space (a sparse file)."""
    path = tmp / "sparse.csv"
    with path.open("wb") as handle:
        handle.write(b"1,2\n")
        handle.truncate(6 * 2**30)
    return path


def shared_reference_pickle(tmp: Path) -> Path:
    """A small pickle of one 10,000-value array listed 100,000 times: as a table, 8 GB."""
    row = np.zeros(10_000)
    path = tmp / "refs.pkl"
    path.write_bytes(pickle.dumps([row] * 100_000, protocol=4))
    return path


def wrong_length_npz_member(tmp: Path) -> Path:
    """An archive whose member's header claims more data than the member holds."""
    path = tmp / "short.npz"
    buffer = io.BytesIO()
    buffer.write(npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1000, 6), }"))
    buffer.write(bytes(80))
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("data.npy", buffer.getvalue())
    return path


#: name -> (maker, words the one-line message must contain).
HOSTILE_FILES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "npy claiming 43.7 TiB": (terabyte_npy, "43.7 TiB as float64); the limit is 256 MiB"),
    "npy claiming 4.5 GiB": (gigabytes_npy, "4.5 GiB as float64); the limit is 256 MiB"),
    "garbled npy header": (garbled_npy,
                           "corrupt .npy file (unreadable header: EOF in multi-line string)"),
    "npz holding a 43.7 TiB claim": (terabyte_npz, "43.7 TiB as float64); the limit is 256 MiB"),
    "npz zip bomb": (zip_bomb_npz, "unpacks to 1.0 GiB"),
    "sparse 6 GiB csv": (sparse_csv, "the file is 6 GiB; data files are limited to 256 MiB"),
    "pickle of shared references": (shared_reference_pickle, "the limit is 256 MiB"),
    "npz member shorter than its header": (wrong_length_npz_member, "truncated or corrupt .npz"),
}

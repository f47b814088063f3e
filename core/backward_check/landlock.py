"""Landlock through ctypes: which files a process may open, and whom it may signal.

Only the standard library: the launcher loads this file by path before the student's code
runs.  Landlock (Linux 5.13+) lets an unprivileged process restrict itself and its future
children: every file access outside the rules is refused (``EACCES``), whatever the file's
permissions say.  The rules are allow-only, per subtree; to allow a folder except a subfolder
(the interpreter's standard library without its ``site-packages``), :func:`expand_rules`
allows the folder's listing and each entry but the excluded one.

ABI versions and what each adds: 1 files, 2 ``REFER`` (rename across folders), 3
``TRUNCATE``, 4 TCP bind/connect, 5 ``IOCTL_DEV``, 6 scoping of signals and abstract unix
sockets to the sandbox, 7 audit flags (nothing more to ask for here).
"""

from __future__ import annotations

import ctypes
import os
import platform
import stat
from collections.abc import Iterable, Sequence

# System call numbers are the same on x86_64 and aarch64 (the generic table from 5.13 on).
SYS_CREATE_RULESET = 444
SYS_ADD_RULE = 445
SYS_RESTRICT_SELF = 446
SUPPORTED_MACHINES = ("x86_64", "aarch64", "amd64", "arm64")

CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1

EXECUTE = 1 << 0
WRITE_FILE = 1 << 1
READ_FILE = 1 << 2
READ_DIR = 1 << 3
REMOVE_DIR = 1 << 4
REMOVE_FILE = 1 << 5
MAKE_CHAR = 1 << 6
MAKE_DIR = 1 << 7
MAKE_REG = 1 << 8
MAKE_SOCK = 1 << 9
MAKE_FIFO = 1 << 10
MAKE_BLOCK = 1 << 11
MAKE_SYM = 1 << 12
REFER = 1 << 13
TRUNCATE = 1 << 14
IOCTL_DEV = 1 << 15

NET_BIND_TCP = 1 << 0
NET_CONNECT_TCP = 1 << 1

SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0
SCOPE_SIGNAL = 1 << 1

#: Rights that make sense on a file (a rule on a file with folder rights is refused).
FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV
READ_ONLY = READ_FILE | READ_DIR


def handled_fs(abi: int) -> int:
    """Every file-system right the kernel of ``abi`` knows (all of them are handled, so
    whatever no rule allows is refused)."""
    if abi < 1:
        return 0
    rights = (1 << 13) - 1  # EXECUTE .. MAKE_SYM
    if abi >= 2:
        rights |= REFER
    if abi >= 3:
        rights |= TRUNCATE
    if abi >= 5:
        rights |= IOCTL_DEV
    return rights


class RulesetAttr(ctypes.Structure):
    _fields_ = (("handled_access_fs", ctypes.c_uint64),
                ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64))


class PathBeneathAttr(ctypes.Structure):
    _pack_ = 1  # the kernel's struct is packed: 12 bytes
    _fields_ = (("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32))


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def abi_version() -> int:
    """The Landlock ABI this kernel offers; 0 when it has none (or not on Linux x86_64 or
    aarch64).  Asking changes nothing in the calling process."""
    if os.uname().sysname != "Linux" or platform.machine().lower() not in SUPPORTED_MACHINES:
        return 0
    try:
        libc = _libc()
    except OSError:
        return 0
    libc.syscall.restype = ctypes.c_long
    version = libc.syscall(ctypes.c_long(SYS_CREATE_RULESET), None, ctypes.c_size_t(0),
                           ctypes.c_uint32(CREATE_RULESET_VERSION))
    return max(0, int(version))


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def expand_rules(read_only: Iterable[str], excluded: Sequence[str]) -> list[tuple[str, int]]:
    """Read-only rules for ``read_only`` (files or folders, resolved) that leave out every
    path in ``excluded``: a folder holding an excluded path gets only its listing allowed,
    and rules of its own for each other entry (recursively)."""
    excluded = [os.path.realpath(p) for p in excluded]
    rules: list[tuple[str, int]] = []

    def add(path: str, inner: list[str], depth: int) -> None:
        # inner: the excluded paths inside the root being expanded (an excluded folder
        # around a root given explicitly, the home folder around the standard library,
        # does not exclude it).
        try:
            info = os.stat(path)
        except OSError:
            return
        if path in inner:
            return
        if not stat.S_ISDIR(info.st_mode):
            rules.append((path, READ_FILE))
            return
        holds = [e for e in inner if _inside(e, path)]
        if not holds or depth > 6:
            rules.append((path, READ_ONLY))
            return
        rules.append((path, READ_DIR))  # its listing, for the import system
        try:
            entries = sorted(os.listdir(path))
        except OSError:
            return
        for entry in entries:
            add(os.path.join(path, entry), holds, depth + 1)

    for given in read_only:
        root = os.path.realpath(given)
        add(root, [e for e in excluded if e != root and _inside(e, root)], 0)
    return rules


def restrict(abi: int, rules: Sequence[tuple[str, int]], scope: bool = True) -> dict[str, bool]:
    """Restrict the calling process (and its future children) to ``rules`` (path, rights):
    every other file access, every TCP bind and connect (ABI 4+), and (with ``scope``, ABI 6+)
    signals and abstract unix sockets to processes outside the sandbox are refused.

    The caller has set ``PR_SET_NO_NEW_PRIVS``.  Returns which parts applied: ``files``,
    ``network`` (TCP), ``signals``.  Raises ``OSError`` when the kernel refuses the ruleset.
    """
    applied = {"files": False, "network": False, "signals": False}
    if abi < 1:
        return applied
    libc = _libc()
    libc.syscall.restype = ctypes.c_long
    fs = handled_fs(abi)
    attr = RulesetAttr(fs, NET_BIND_TCP | NET_CONNECT_TCP if abi >= 4 else 0,
                       SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if abi >= 6 and scope else 0)
    size = 8 if abi < 4 else (16 if abi < 6 else 24)  # the struct as that ABI knows it
    ruleset = int(libc.syscall(ctypes.c_long(SYS_CREATE_RULESET), ctypes.byref(attr),
                               ctypes.c_size_t(size), ctypes.c_uint32(0)))
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset")
    try:
        for path, rights in rules:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue  # a path this machine lacks
            try:
                allowed = rights & fs
                if not stat.S_ISDIR(os.fstat(fd).st_mode):
                    allowed &= FILE_RIGHTS
                beneath = PathBeneathAttr(allowed, fd)
                if libc.syscall(ctypes.c_long(SYS_ADD_RULE), ctypes.c_int(ruleset),
                                ctypes.c_int(RULE_PATH_BENEATH), ctypes.byref(beneath),
                                ctypes.c_uint32(0)) < 0:
                    raise OSError(ctypes.get_errno(), f"landlock_add_rule {path}")
            finally:
                os.close(fd)
        if libc.syscall(ctypes.c_long(SYS_RESTRICT_SELF), ctypes.c_int(ruleset),
                        ctypes.c_uint32(0)) < 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self")
    finally:
        os.close(ruleset)
    applied["files"] = True
    applied["network"] = abi >= 4
    applied["signals"] = abi >= 6 and scope
    return applied

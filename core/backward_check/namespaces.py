"""User, PID and network namespaces, prctl and resource limits, through ctypes.

Only the standard library: the launcher loads this file by path, in a fresh single-threaded
interpreter (a process with threads cannot enter a new user namespace), before numpy or the
student's code.  Python 3.10 and 3.11 have no ``os.unshare``.  Every call here changes the
calling process only: it is never used in the window's or the tests' process.
"""

from __future__ import annotations

import contextlib
import ctypes
import os

CLONE_NEWNET = 0x40000000
CLONE_NEWPID = 0x20000000
CLONE_NEWUSER = 0x10000000

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_NO_NEW_PRIVS = 38


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def unshare_user_pid_network() -> dict[str, bool]:
    """Enter new user, PID and network namespaces (the PID one applies to children: the
    next child forked is PID 1 there).  The caller's user and group map to themselves;
    ``setgroups`` is denied, as an unprivileged process must.  Returns which applied; a
    kernel that refuses (user namespaces disabled) leaves the process as it was."""
    applied = {"user_namespace": False, "pid_namespace": False, "network_namespace": False}
    try:
        unshare = _libc().unshare
    except (OSError, AttributeError):  # not Linux
        return applied
    uid, gid = os.geteuid(), os.getegid()
    if unshare(ctypes.c_int(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET)) != 0:
        # Some kernels allow a user namespace alone; the rest then cannot be had.
        if unshare(ctypes.c_int(CLONE_NEWUSER)) != 0:
            return applied
        applied["user_namespace"] = True
        for flag, name in ((CLONE_NEWPID, "pid_namespace"),
                           (CLONE_NEWNET, "network_namespace")):
            applied[name] = unshare(ctypes.c_int(flag)) == 0
    else:
        applied = dict.fromkeys(applied, True)
    with contextlib.suppress(OSError):
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{uid} {uid} 1")
        _write("/proc/self/gid_map", f"{gid} {gid} 1")
    return applied


def _write(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def prctl(option: int, value: int) -> bool:
    """``prctl(option, value, 0, 0, 0)``; whether it succeeded."""
    try:
        call = _libc().prctl
    except (OSError, AttributeError):  # not Linux
        return False
    return bool(call(ctypes.c_int(option), ctypes.c_ulong(value), ctypes.c_ulong(0),
                     ctypes.c_ulong(0), ctypes.c_ulong(0)) == 0)


def no_new_privs() -> bool:
    """No set-user-id program or file capability can raise this process's privileges again
    (Landlock requires it)."""
    return prctl(PR_SET_NO_NEW_PRIVS, 1)


def not_dumpable() -> bool:
    """No core dump, and no other process of the same user may ptrace this one or read its
    ``/proc`` entries."""
    return prctl(PR_SET_DUMPABLE, 0)


def die_with_parent() -> bool:
    """SIGKILL this process when its parent ends (the namespace's first process: its end
    ends every process in the namespace)."""
    return prctl(PR_SET_PDEATHSIG, 9)


#: capset(2)'s number (x86_64, aarch64) and the header version of 64-bit capability sets.
SYS_CAPSET = {"x86_64": 126, "amd64": 126, "aarch64": 91, "arm64": 91}
CAPABILITY_VERSION_3 = 0x20080522


def drop_capabilities() -> bool:
    """Give up every capability (the new user namespace grants them all inside it): the
    code then has only what its user has, there too.  Whether the kernel agreed."""
    import platform

    number = SYS_CAPSET.get(platform.machine().lower())
    try:
        libc = _libc()
    except OSError:
        return False
    if number is None:
        return False
    header = (ctypes.c_uint32 * 2)(CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()  # effective, permitted, inheritable; twice (64 bits)
    libc.syscall.restype = ctypes.c_long
    return bool(libc.syscall(ctypes.c_long(number), ctypes.byref(header),
                             ctypes.byref(data)) == 0)


def limit_resources(memory_mb: int, cpu_seconds: int, file_bytes: int, open_files: int,
                    processes: int) -> bool:
    """Cap address space, CPU time, file size, open files and processes, soft and hard
    limits alike so the code cannot lift them (a lower hard limit already in force stays).
    Whether the memory, CPU and file-size limits all applied."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return False
    ok = True
    for which, wanted, required in ((resource.RLIMIT_AS, memory_mb * 1024 * 1024, True),
                                   (resource.RLIMIT_CPU, cpu_seconds, True),
                                   (resource.RLIMIT_FSIZE, file_bytes, True),
                                   (resource.RLIMIT_NOFILE, open_files, False),
                                   (resource.RLIMIT_NPROC, processes, False)):
        try:
            _, hard = resource.getrlimit(which)
            value = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            ok = ok and not required
    return ok

"""Run a student's file contained, and read back only numbers over pipes this process owns.

The student's code never runs in the caller's process.  A fresh interpreter
(:mod:`core.backward_check.launcher`, ``python -I -S``) enters user, PID and network
namespaces, restricts itself with Landlock, lowers its resource limits and runs the
student's file in a fresh temporary folder holding a copy of it and its sibling ``.py``
files.  Five pipes connect it to this process, which owns their other ends: the request
(the points), the answer (numbers in a fixed binary layout, :mod:`.worker`), a status
record (which protections applied, written and closed before the student's code runs),
the error output (only ever a message) and the launcher's own line (the process id of the
PID namespace's first process).  Every read is bounded and polled against the deadline; at
the deadline that first process is killed, which ends the PID namespace and everything the
student's code started, and the check returns once the kernel has ended them all.

Whatever the file does, the caller gets the numbers or a :class:`StudentCodeError` with
one clean line.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import selectors
import shutil
import signal
import site
import stat
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from core.backward_check.worker import CANNOT_CHECK, MESSAGE_CHARS, decode_result, result_size
from core.user_files import read_bytes, unreadable

LAUNCHER = Path(__file__).with_name("launcher.py")
#: The application's folder: never readable from the sandbox.
APP_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_TIMEOUT = 10.0
DEFAULT_MEMORY_MB = 1024
#: How often a waiting check looks for a cancellation, in seconds.
POLL_SECONDS = 0.05
#: The student's file and its sibling .py files copied into the sandbox: at most this many
#: files, this many bytes in all.
MAX_FILES = 20
MAX_BYTES = 1024 * 1024
#: Error output read from the student's process (the last 64 KB are kept for the message);
#: more than STDERR_LIMIT ends the check.
STDERR_KEEP = 64 * 1024
STDERR_LIMIT = 1024 * 1024
STATUS_LIMIT = 4096
#: Seconds a killed namespace may take to end before the launcher's group is killed too.
REAPER_WAIT = 5.0
#: Seconds the launcher may take to contain itself and import numpy, before the student's
#: code runs (not counted in the check's time limit).
STARTUP_SECONDS = 30.0
#: The largest file the student's code may write, files its process may hold open, and
#: processes it may run (where the kernel counts them: not for root).
FILE_LIMIT = 64 * 1024 * 1024
OPEN_FILES = 256
PROCESSES = 64
#: Protections that can be switched off (to measure them, or on a machine that lacks them).
PROTECTIONS = ("namespaces", "landlock", "rlimits")


class StudentCodeError(Exception):
    """The student's file cannot be checked; the message is one line naming why."""


@dataclass(frozen=True)
class CheckPoint:
    """One call of the student's functions: a sample, weights, and the engine's forward
    dict that ``backward_propagation`` receives."""

    x: tuple[float, ...]
    y: float
    w: tuple[float, ...]
    forward: Mapping[str, float]


@dataclass(frozen=True)
class Containment:
    """Which protections applied to the student's process.

    ``landlock_abi`` is the Landlock ABI used (0: none).  ``files``: it could read only the
    standard library, numpy and system libraries, and write only its own folder (Landlock);
    ``network``: TCP refused by Landlock; ``signals``: no signal or abstract socket reaches a
    process outside the sandbox (Landlock ABI 6); ``user_namespace``, ``pid_namespace`` (every
    process it starts ends with the check; it sees no other process), ``network_namespace``
    (no network at all); ``no_new_privs``; ``rlimits`` (memory, CPU time, file size).
    """

    landlock_abi: int = 0
    files: bool = False
    network: bool = False
    signals: bool = False
    user_namespace: bool = False
    pid_namespace: bool = False
    network_namespace: bool = False
    no_new_privs: bool = False
    rlimits: bool = False

    @property
    def complete(self) -> bool:
        """Every protection applied."""
        return self.landlock_abi > 0 and not self.missing

    @property
    def missing(self) -> tuple[str, ...]:
        """The protections that did not apply."""
        return tuple(f.name for f in fields(self)
                     if f.name != "landlock_abi" and not getattr(self, f.name))

    def as_dict(self) -> dict[str, int | bool]:
        return asdict(self)

    def describe(self) -> str:
        """One line for the report: what applied, then what did not."""
        parts = []
        if self.landlock_abi:
            scopes = [name for name, on in (("files", self.files), ("TCP", self.network),
                                            ("signals", self.signals)) if on]
            parts.append(f"Landlock ABI {self.landlock_abi} ({', '.join(scopes)})")
        spaces = [name for name, on in (("user", self.user_namespace),
                                        ("PID", self.pid_namespace),
                                        ("network", self.network_namespace)) if on]
        if spaces:
            parts.append(f"{_words(spaces)} namespace{'s' if len(spaces) > 1 else ''}")
        if self.no_new_privs:
            parts.append("no_new_privs")
        if self.rlimits:
            parts.append("resource limits")
        text = "contained by " + ", ".join(parts) if parts else "not contained"
        if self.missing and parts:
            text += f"; missing: {', '.join(self.missing)}"
        return text

    @classmethod
    def parse(cls, data: bytes) -> Containment:
        """From the launcher's status record; nothing applied when it is unreadable."""
        try:
            record = json.loads(data.decode("ascii"))
        except (ValueError, UnicodeDecodeError, RecursionError):
            return cls()
        if not isinstance(record, dict):
            return cls()
        abi = record.get("landlock_abi")
        values: dict[str, int | bool] = {
            "landlock_abi": abi if type(abi) is int and 0 <= abi < 1000 else 0}
        for f in fields(cls):
            if f.name != "landlock_abi":
                values[f.name] = record.get(f.name) is True
        return cls(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class StudentRun:
    """What the student's functions returned, one entry per check point.

    Attributes
    ----------
    forward
        ``forward_propagation``'s values of the requested forward keys it returned, per
        point, or ``None`` when the file does not define it.
    backward
        ``backward_propagation``'s values of the requested keys per point, in key order.
    containment
        Which protections applied.
    """

    forward: tuple[Mapping[str, float], ...] | None
    backward: tuple[tuple[float, ...], ...]
    containment: Containment = field(default_factory=Containment)


def _words(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


_ESCAPES = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-_])")


def clean_message(text: str, limit: int = MESSAGE_CHARS) -> str:
    """One line of at most ``limit`` characters: terminal escapes and every control or
    format character (bidirectional overrides included) removed."""
    text = _ESCAPES.sub("", text)
    text = "".join(" " if c in "\t\r\n" else c for c in text
                   if c in "\t\r\n" or not unicodedata.category(c).startswith("C"))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def run_student_file(path: str | os.PathLike[str], points: Sequence[CheckPoint],
                     backward_keys: Sequence[str], forward_keys: Sequence[str] = (),
                     timeout: float = DEFAULT_TIMEOUT, memory_mb: int = DEFAULT_MEMORY_MB,
                     cancel: threading.Event | None = None,
                     disable: Collection[str] = (),
                     require_isolation: bool = False) -> StudentRun:
    """Call the file's ``forward_propagation`` (if any) and ``backward_propagation`` on
    every point, contained, in a child process.

    Parameters
    ----------
    path
        The student's Python file.
    points
        Where to call the functions.
    backward_keys
        The keys ``backward_propagation`` must return (``dw1`` ...).
    forward_keys
        The keys of ``forward_propagation``'s dict read back (the others are ignored).
    timeout
        Seconds of wall-clock time for the student's code: loading the file and every call
        (the sandbox's own start and numpy's import come first, not counted).
    memory_mb
        Address-space limit of the child.
    cancel
        Set from another thread to stop the child at once (the window closing).
    disable
        Protections left out (of :data:`PROTECTIONS`), to measure them.
    require_isolation
        Refuse to run the student's code unless every protection applied (for graders).

    Raises
    ------
    StudentCodeError
        The file is missing or not a regular file, fails to import, raises, runs out of
        time or memory, answers something else than numbers for every key, or the process
        dies.
    """
    file = Path(path)
    if not math.isfinite(timeout) or timeout <= 0:
        raise StudentCodeError(f"the time limit must be a positive number of seconds, "
                               f"got {timeout}")
    unknown = set(disable) - set(PROTECTIONS)
    if unknown:
        raise ValueError(f"unknown protections {sorted(unknown)}")
    root = Path(tempfile.mkdtemp(prefix="backward-check-"))
    try:
        work, name = _copy_student_files(file, root)
        request = json.dumps({
            "path": str(work / name), "backward_keys": list(backward_keys),
            "forward_keys": list(forward_keys),
            "points": [{"x": list(p.x), "y": p.y, "w": list(p.w), "forward": dict(p.forward)}
                       for p in points],
        }).encode()
        lib = _numpy_folder(root)
        config = _launcher_config(work, lib, memory_mb, timeout, disable)
        config["require_all"] = require_isolation
        answer, status, error_output, code = _run_launcher(
            config, request, work, timeout, file.name, cancel,
            result_size(len(points), len(backward_keys), len(forward_keys), True))
    finally:
        _remove_tree(root)
    containment = Containment.parse(status)
    if require_isolation and not containment.complete and code in (0, CANNOT_CHECK):
        raise StudentCodeError(f"{file.name} was not run: the isolation a grade requires is "
                               f"incomplete (missing: {', '.join(containment.missing)})")
    if code != 0:
        raise StudentCodeError(_died_message(file.name, code, error_output))
    try:
        backward, forward = decode_result(answer, len(points), len(backward_keys),
                                          len(forward_keys))
    except ValueError as error:
        raise StudentCodeError(f"{file.name}: the check process's answer is unusable "
                               f"({error})") from None
    forwards = None if forward is None else tuple(
        {forward_keys[k]: v for k, v in row.items()} for row in forward)
    return StudentRun(forward=forwards, backward=tuple(tuple(row) for row in backward),
                      containment=containment)


def _remove_tree(root: Path) -> None:
    """Remove the check's folder, whatever modes the student's code left on it."""
    with contextlib.suppress(OSError):
        os.chmod(root / "work", 0o700)
    for folder, subfolders, _ in os.walk(root):
        for name in subfolders:  # before os.walk lists them
            path = os.path.join(folder, name)
            if not os.path.islink(path):  # (a link's target is not the check's)
                with contextlib.suppress(OSError):
                    os.chmod(path, 0o700)
    shutil.rmtree(root, ignore_errors=True)


def _copy_student_files(file: Path, root: Path) -> tuple[Path, str]:
    """The student's file and its sibling ``.py`` files (regular files only, at most
    :data:`MAX_FILES` and :data:`MAX_BYTES` in all, the student's file first) copied into
    ``root/work``; the folder and the file's name there.  Each is read by
    :func:`core.user_files.read_bytes` (a regular file, checked before and after opening;
    no more than the bytes left of the budget)."""
    try:
        main = read_bytes(file, MAX_BYTES)
    except OSError as error:
        raise StudentCodeError(unreadable(file, error, "Python file")) from None
    work = root / "work"
    work.mkdir()
    (work / file.name).write_bytes(main)
    total, count = len(main), 1
    with contextlib.suppress(OSError):
        siblings = sorted(p for p in file.resolve().parent.iterdir()
                          if p.suffix == ".py" and p.name != file.name)
        for sibling in siblings:
            if count >= MAX_FILES:
                break
            try:
                if not stat.S_ISREG(sibling.lstat().st_mode):  # links are not copied
                    continue
                data = read_bytes(sibling, MAX_BYTES - total)
            except OSError:
                continue
            (work / sibling.name).write_bytes(data)
            total, count = total + len(data), count + 1
    return work, file.name


def _numpy_folder(root: Path) -> Path:
    """A folder holding only links to numpy (and its bundled libraries), for the child's
    ``sys.path``: the site-packages around it stay out of reach."""
    import numpy

    lib = root / "lib"
    lib.mkdir()
    package = Path(numpy.__file__).resolve().parent
    (lib / "numpy").symlink_to(package, target_is_directory=True)
    libs = package.with_name("numpy.libs")
    if libs.is_dir():
        (lib / "numpy.libs").symlink_to(libs, target_is_directory=True)
    return lib


def _site_folders() -> list[str]:
    """Every folder third-party packages may be installed in (none readable in the
    sandbox but numpy's own folder)."""
    folders = [*site.getsitepackages(), site.getusersitepackages()]
    for base in ({"base": sys.base_prefix, "platbase": sys.base_exec_prefix},
                 {"base": sys.prefix, "platbase": sys.exec_prefix}):
        paths = sysconfig.get_paths(vars=base)
        folders += [paths["purelib"], paths["platlib"]]
    folders += ["/usr/lib/python3/dist-packages", "/usr/local/lib/python3/dist-packages",
                f"/usr/local/lib/python{sys.version_info[0]}.{sys.version_info[1]}"]
    return sorted({os.path.realpath(f) for f in folders})


def _read_only_roots(lib: Path) -> list[str]:
    import numpy

    package = Path(numpy.__file__).resolve().parent
    # Where the standard library really is (a venv's "platstdlib" is its own lib folder):
    # the folder of os.py, and of the compiled modules (lib-dynload).
    import _json
    import select

    stdlib = [os.path.dirname(os.__file__), sysconfig.get_paths()["stdlib"]]
    stdlib += [os.path.dirname(file) for m in (_json, select, math)
               if isinstance(file := getattr(m, "__file__", None), str)]
    roots = [*stdlib, str(package), str(lib),
             str(package.with_name("numpy.libs")),
             "/usr/lib", "/usr/lib64", "/usr/lib32", "/lib", "/lib64", "/lib32",
             "/etc/ld.so.cache", "/usr/lib/locale"]
    if sysconfig.get_config_var("Py_ENABLE_SHARED"):
        library = sysconfig.get_config_var("LDLIBRARY")
        libdir = sysconfig.get_config_var("LIBDIR")
        if library and libdir:
            roots.append(os.path.join(libdir, library))
    roots = list(dict.fromkeys(os.path.realpath(r) for r in roots if os.path.exists(r)))
    folders = tuple(r.rstrip("/") + "/" for r in roots)
    libraries = [path for path in _mapped_libraries([*_site_folders(), str(APP_ROOT)])
                 if not os.path.realpath(path).startswith(folders)]
    return list(dict.fromkeys(roots + [os.path.realpath(p) for p in libraries]))


def _mapped_libraries(excluded: Sequence[str]) -> list[str]:
    """The shared libraries this process has loaded (numpy's BLAS among them, wherever the
    environment keeps it: a conda environment's own ``lib``), except those in ``excluded``
    folders; none where ``/proc/self/maps`` cannot be read."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            lines = maps.read(4 * 1024 * 1024).splitlines()
    except OSError:
        return []
    folders = [os.path.realpath(e).rstrip("/") + "/" for e in excluded]
    found = set()
    for line in lines:
        parts = line.split(maxsplit=5)  # address, mode, offset, device, inode, path
        path = parts[5].strip() if len(parts) == 6 else ""
        if ".so" in os.path.basename(path) and path.startswith("/") and \
                not any(path.startswith(f) for f in folders) and os.path.isfile(path):
            found.add(path)
    return sorted(found)


def _launcher_config(work: Path, lib: Path, memory_mb: int, timeout: float,
                     disable: Collection[str]) -> dict[str, object]:
    excluded = [*_site_folders(), str(APP_ROOT), os.path.expanduser("~")]
    return {"work": str(work), "paths": [str(lib)], "read_only": _read_only_roots(lib),
            "excluded": sorted({os.path.realpath(e) for e in excluded}),
            "read_write_files": [os.devnull], "memory_mb": int(memory_mb),
            "cpu_seconds": math.ceil(timeout) + 1, "file_bytes": FILE_LIMIT,
            "open_files": OPEN_FILES, "processes": PROCESSES, "disable": sorted(disable)}


def child_environment(work: Path) -> dict[str, str]:
    """Nothing of the user's environment: no home, no tokens, one BLAS thread (the
    address-space limit counts every thread's stack and buffers)."""
    return {"PATH": "/usr/bin:/bin", "HOME": str(work), "TMPDIR": str(work),
            "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8",
            "PYTHONDONTWRITEBYTECODE": "1", "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _run_launcher(config: dict[str, object], request: bytes, work: Path, timeout: float,
                  name: str, cancel: threading.Event | None, answer_limit: int
                  ) -> tuple[bytes, bytes, bytes, int]:
    """Start the launcher, feed it the request, read the answer, the status and the error
    output (each bounded) until they end or the deadline; (answer, status, error output,
    exit code: 128 + n for signal n)."""
    request_r, request_w = os.pipe()
    answer_r, answer_w = os.pipe()
    status_r, status_w = os.pipe()
    error_r, error_w = os.pipe()
    launcher_r, launcher_w = os.pipe()
    config = {**config, "result_fd": answer_w, "status_fd": status_w}
    try:
        process = subprocess.Popen(  # noqa: S603 - our own launcher, this interpreter
            [sys.executable, "-I", "-S", "-B", str(LAUNCHER), json.dumps(config)],
            stdin=request_r, stdout=launcher_w, stderr=error_w,
            pass_fds=(answer_w, status_w), close_fds=True, cwd=work,
            env=child_environment(work), start_new_session=True)
    except OSError as error:
        for fd in (request_r, request_w, answer_r, answer_w, status_r, status_w, error_r,
                   error_w, launcher_r, launcher_w):
            os.close(fd)
        raise StudentCodeError(f"the check process could not start: {error}") from None
    for fd in (request_r, answer_w, status_w, error_w, launcher_w):
        os.close(fd)
    limits = {answer_r: answer_limit + 1, status_r: STATUS_LIMIT, error_r: STDERR_LIMIT,
              launcher_r: 32}
    received: dict[int, bytearray] = {answer_r: bytearray(), status_r: bytearray(),
                                      error_r: bytearray(), launcher_r: bytearray()}
    reaper = 0
    error_size = 0
    #: Our ends still open, each closed once (another thread may reuse a closed number).
    mine = {request_w, answer_r, status_r, error_r, launcher_r}
    pending = memoryview(request)
    # The sandbox and numpy get STARTUP_SECONDS to be ready; the student's code gets
    # ``timeout`` from the moment the status record ends (just before it runs).
    deadline = time.monotonic() + STARTUP_SECONDS
    started = False
    selector = selectors.DefaultSelector()
    try:
        for fd in (answer_r, status_r, error_r, launcher_r, request_w):
            os.set_blocking(fd, False)
        for fd in received:
            selector.register(fd, selectors.EVENT_READ)
        selector.register(request_w, selectors.EVENT_WRITE)
        writing = True
        while selector.get_map():
            if cancel is not None and cancel.is_set():
                _kill(process, reaper)
                raise StudentCodeError(f"the check of {name} was cancelled")
            left = deadline - time.monotonic()
            if left <= 0:
                _kill(process, reaper)
                if not started:
                    raise StudentCodeError(f"the check process for {name} did not start "
                                           f"within {STARTUP_SECONDS:g} s: stopped")
                raise StudentCodeError(f"{name} did not finish within {timeout:g} s (an "
                                       "endless loop?): stopped")
            for key, _ in selector.select(min(POLL_SECONDS, left)):
                fd = int(key.fd)
                if writing and fd == request_w:
                    try:
                        pending = pending[os.write(fd, pending[:1 << 16]):]
                    except BrokenPipeError:
                        pending = pending[:0]
                    except BlockingIOError:
                        continue
                    if not pending:
                        selector.unregister(fd)
                        os.close(fd)
                        mine.discard(fd)
                        writing = False
                    continue
                try:
                    chunk = os.read(fd, 1 << 16)
                except BlockingIOError:
                    continue
                if not chunk:
                    selector.unregister(fd)
                    if fd == status_r:  # the student's code starts now
                        started = True
                        deadline = time.monotonic() + timeout
                    continue
                if fd == error_r:
                    error_size += len(chunk)
                    buffer = received[fd]
                    buffer += chunk
                    del buffer[:-STDERR_KEEP]
                    if error_size > STDERR_LIMIT:
                        _kill(process, reaper)
                        raise StudentCodeError(f"{name} wrote more than "
                                               f"{STDERR_LIMIT // 1024 // 1024} MB to its "
                                               "error output: stopped")
                    continue
                received[fd] += chunk
                if fd == launcher_r and received[fd].endswith(b"\n"):
                    reaper = int(received[fd]) if received[fd][:-1].isdigit() else 0
                if len(received[fd]) > limits[fd]:
                    _kill(process, reaper)
                    what = {answer_r: "answer", status_r: "status"}.get(fd, "start")
                    raise StudentCodeError(f"{name}: the check process's {what} is longer "
                                           "than it can be: stopped")
        try:
            code = process.wait(max(0.0, deadline - time.monotonic()) + POLL_SECONDS)
        except subprocess.TimeoutExpired:
            _kill(process, reaper)
            raise StudentCodeError(f"{name} did not finish within {timeout:g} s: "
                                   "stopped") from None
    except BaseException:
        _kill(process, reaper)  # interrupted: the child must not outlive the check
        raise
    finally:
        selector.close()
        for fd in mine:
            os.close(fd)
    code = 128 - code if code < 0 else code
    return bytes(received[answer_r]), bytes(received[status_r]), bytes(received[error_r]), code


def _kill(process: subprocess.Popen[bytes], reaper: int) -> None:
    """End the check: kill the namespace's first process (whose end kills every process in
    the namespace, the kernel waiting for them all before it is reaped) and wait for the
    launcher that reaps it; then the launcher's whole group, for a machine without a PID
    namespace."""
    if reaper > 0 and process.poll() is None:  # unreaped by the launcher: still its child
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(reaper, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(REAPER_WAIT)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        process.kill()
    process.wait()


def _died_message(name: str, code: int, error_output: bytes) -> str:
    lines = [line for line in error_output.decode("utf-8", "replace").splitlines()
             if line.strip()]
    last = clean_message(lines[-1]) if lines else ""
    if code == CANNOT_CHECK and last:
        return last
    if code > 128:
        try:
            how = signal.Signals(code - 128).name
        except ValueError:
            how = f"signal {code - 128}"
        if how == "SIGXCPU":
            return f"{name} used more CPU time than the check allows: stopped"
        if how == "SIGXFSZ":
            return f"{name} wrote a file larger than the check allows: stopped"
        detail = f"killed by {how}"
    else:
        detail = f"exit status {code}"
    message = f"{name}: the check process stopped without a result ({detail})"
    return clean_message(message + (f": {last}" if last else ""), 2 * MESSAGE_CHARS)

"""The student's code contained: it can import numpy and solve a linear system, and it cannot
open the app's code, the home folder or ``/proc``, reach the network, write outside its
folder, import other installed packages, signal or trace the checker; every process it
starts ends with the check, on success and after a timeout."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import pytest

from core.backward_check.checker import StudentCodeError, check_backward_file
from core.presets import resolve_graph
from tests.conftest import ROOT
from tests.hostile.backward_files import CORRECT, needs, student

#: What the probe tries, each answered Y (it could) or N (refused).
PROBE = """
import ctypes, os, signal, socket, subprocess

found = {{}}

def attempt(key, action):
    try:
        result = action()
    except BaseException:
        found[key] = "N"
    else:
        found[key] = "N" if result is False else "Y"

def solve():
    import numpy as np
    a = np.array([[3.0, 1.0], [1.0, 2.0]])
    x = np.linalg.solve(a, np.array([9.0, 8.0]))
    return bool(np.allclose(x, [2.0, 3.0]))

def read(path):
    with open(path, "rb") as stream:
        return len(stream.read(10)) >= 0

def write(path):
    with open(path, "w") as stream:
        stream.write("planted")

def tcp():
    with socket.create_connection(("127.0.0.1", {port}), timeout=2):
        pass

def abstract():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect("\\0{abstract}")

def ptrace():
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.ptrace(0x4206, {checker}, None, None) == 0  # PTRACE_SEIZE: no stop

attempt("np", solve)
attempt("app", lambda: read({app!r}))
attempt("home", lambda: os.listdir({home!r}))
attempt("environ", lambda: read("/proc/{checker}/environ"))
attempt("proc", lambda: os.listdir("/proc"))
attempt("tcp", tcp)
attempt("abstract", abstract)
attempt("write_out", lambda: write({outside!r}))
attempt("write_app", lambda: write({app_file!r}))
attempt("delete", lambda: os.unlink({victim!r}))
attempt("write_own", lambda: write("mine.txt"))
attempt("site", lambda: __import__("networkx"))
attempt("base_site", lambda: __import__("IPython"))
attempt("signal", lambda: os.kill({checker}, 0))
attempt("ptrace", ptrace)
attempt("exec", lambda: subprocess.run(["/bin/true"], check=True))

def capabilities():
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)
    data = (ctypes.c_uint32 * 6)()
    ctypes.CDLL(None).capget(ctypes.byref(header), ctypes.byref(data))
    return any(data)

attempt("capabilities", capabilities)
import sys
attempt("app_on_path", lambda: any({app_root!r} in entry for entry in sys.path))
attempt("secret", lambda: "BACKWARD_PROBE_SECRET" in os.environ)
attempt("user_home", lambda: os.environ.get("HOME") == {home!r})
attempt("env_minimal", lambda: set(os.environ) <= {{
    "PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "PYTHONIOENCODING",
    "PYTHONDONTWRITEBYTECODE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
    "MKL_NUM_THREADS"}})
raise RuntimeError("PROBE " + "".join(found.values()))
"""


#: What the probe may do (Y) and not (N), in the order it tries.
EXPECTED = {"np": "Y", "app": "N", "home": "N", "environ": "N", "proc": "N", "tcp": "N",
            "abstract": "N", "write_out": "N", "write_app": "N", "delete": "N",
            "write_own": "Y", "site": "N", "base_site": "N", "signal": "N", "ptrace": "N",
            "exec": "N", "capabilities": "N", "app_on_path": "N", "secret": "N", "user_home": "N",
            "env_minimal": "Y"}


@pytest.fixture(scope="module")
def seed():
    graph, preset = resolve_graph("seed")
    return graph, preset, preset.dataset()


def probe(seed, folder: Path, **names: object) -> dict[str, str]:
    path = student(folder, PROBE.format(**names))
    graph, preset, dataset = seed
    with pytest.raises(StudentCodeError, match="PROBE") as caught:
        check_backward_file(path, graph, dataset, preset.aliases, samples=2, timeout=30)
    # "PROBE YNN...": the answers in the order tried, in one short word.
    text = str(caught.value)
    answers = text[text.index("PROBE ") + 6:].split(maxsplit=1)[0]
    return dict(zip(EXPECTED, answers, strict=True))


def test_a_contained_file_solves_with_numpy_and_reaches_nothing_else(seed, tmp_path,
                                                                     monkeypatch):
    needs("files", "network", "signals", "pid_namespace", "network_namespace")
    monkeypatch.setenv("BACKWARD_PROBE_SECRET", "token")
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)
    abstract = f"backward-probe-{os.getpid()}"
    unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    unix.bind("\0" + abstract)
    unix.listen()
    unix.setblocking(False)
    folder = tmp_path / "student"
    folder.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    app_file = ROOT / "planted-by-backward-probe.txt"
    start = time.monotonic()
    try:
        found = probe(seed, folder, port=listener.getsockname()[1], abstract=abstract,
                      checker=os.getpid(), app=str(ROOT / "core" / "__init__.py"),
                      home=os.path.expanduser("~"), outside=str(tmp_path / "outside.txt"),
                      app_file=str(app_file), victim=str(victim), app_root=str(ROOT))
        with pytest.raises(BlockingIOError):
            listener.accept()  # no connection ever arrived
        with pytest.raises(BlockingIOError):
            unix.accept()
    finally:
        listener.close()
        unix.close()
        planted = app_file.exists()
        app_file.unlink(missing_ok=True)
    assert found == EXPECTED
    assert time.monotonic() - start < 30
    assert not planted
    assert victim.read_text() == "keep me"
    assert not (tmp_path / "outside.txt").exists()
    # The student's own folder was a fresh copy, never the original.
    assert sorted(p.name for p in folder.iterdir()) == ["student.py"]


SPAWNER = """
import ctypes, os, time

def named_sleeper(tag):
    ctypes.CDLL(None).prctl(15, tag.encode(), 0, 0, 0)  # PR_SET_NAME
    time.sleep(120)
    os._exit(0)

for _ in range({children}):
    try:
        if os.fork() == 0:
            named_sleeper({tag!r})
    except OSError:
        break  # a process limit: enough children
if os.fork() == 0:  # a double-forked, setsid'd one
    os.setsid()
    if os.fork() == 0:
        named_sleeper({tag!r})
    os._exit(0)
"""


def processes_named(tag: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == tag:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.mark.parametrize("ending", ["success", "timeout"])
def test_every_process_the_file_starts_ends_with_the_check(seed, tmp_path, ending):
    needs("pid_namespace")
    tag = f"bwk{os.getpid() % 10**6}{ending[0]}"
    body = SPAWNER.format(children=200, tag=tag) + CORRECT
    if ending == "timeout":
        body += "\nwhile True:\n    pass\n"
    path = student(tmp_path, body)
    graph, preset, dataset = seed
    start = time.monotonic()
    if ending == "success":
        report = check_backward_file(path, graph, dataset, preset.aliases, samples=3,
                                     timeout=30)
        assert report.all_correct
    else:
        with pytest.raises(StudentCodeError, match="did not finish within 3 s"):
            check_backward_file(path, graph, dataset, preset.aliases, samples=3, timeout=3)
    assert time.monotonic() - start < 30
    assert processes_named(tag) == []


def test_protections_left_out_are_reported_missing(seed, tmp_path):
    needs("files", "pid_namespace")
    graph, preset, dataset = seed
    path = student(tmp_path, CORRECT)
    full = check_backward_file(path, graph, dataset, preset.aliases, samples=2)
    assert full.containment.complete
    assert full.containment.landlock_abi >= 6
    assert full.containment.missing == ()
    bare = check_backward_file(path, graph, dataset, preset.aliases, samples=2,
                               disable=("landlock", "namespaces", "rlimits"))
    assert bare.all_correct  # the verdict does not depend on the protections
    assert bare.containment.landlock_abi == 0
    assert set(bare.containment.missing) == {
        "files", "network", "signals", "user_namespace", "pid_namespace",
        "network_namespace", "rlimits"}
    assert "missing: files" in bare.containment.describe()
    with pytest.raises(StudentCodeError, match=r"was not run: .*missing: files, network"):
        check_backward_file(path, graph, dataset, preset.aliases, samples=2,
                            disable=("landlock",), require_isolation=True)


def process_state() -> dict[str, object]:
    import ctypes
    import resource

    status = dict(line.split(":", 1) for line in
                  Path("/proc/self/status").read_text().splitlines() if ":" in line)
    dumpable = ctypes.CDLL(None).prctl(3, 0, 0, 0, 0)  # PR_GET_DUMPABLE
    return {"no_new_privs": status.get("NoNewPrivs", "").strip(), "dumpable": dumpable,
            "limits": [resource.getrlimit(r) for r in (
                resource.RLIMIT_AS, resource.RLIMIT_CPU, resource.RLIMIT_FSIZE,
                resource.RLIMIT_NOFILE, resource.RLIMIT_NPROC)],
            "namespaces": sorted(str(p.readlink()) for p in Path("/proc/self/ns").iterdir())}


def test_the_checkers_own_process_is_left_as_it_was(seed, tmp_path):
    # Containment is the launcher's alone: never the window's or the tests' process.
    before = process_state()
    graph, preset, dataset = seed
    report = check_backward_file(student(tmp_path, CORRECT), graph, dataset, preset.aliases,
                                 samples=2)
    assert report.all_correct
    assert process_state() == before
    assert (ROOT / "core" / "__init__.py").read_bytes() is not None  # still readable here

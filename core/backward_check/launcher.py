"""``python -I -S -B launcher.py CONFIG``: contain a student's code, then run it.

A fresh interpreter in isolated mode, single-threaded, with nothing but the standard library
loaded.  Before the student's code (and numpy) it:

1. enters new user, PID and network namespaces (no network but a loopback that is down);
2. forks the PID namespace's first process, which only reaps: when the student's main
   process ends, it exits with its status, and the kernel then kills every other process in
   the namespace (children, ``setsid`` and double-forked ones), on success too;
3. in the student's process: ``PR_SET_NO_NEW_PRIVS``, Landlock (read-only: the standard
   library without its site-packages, numpy, the system's libraries; read-write: only the
   fresh work folder; no TCP; signals and abstract sockets scoped to the sandbox), resource
   limits, ``PR_SET_DUMPABLE 0``, every capability dropped;
4. imports numpy, reports what applied on a status pipe it then closes (the checker's
   clock for the student's code starts there), and hands over to the worker.

Each protection the kernel refuses is left out and reported, never fatal.  The checker
(:mod:`core.backward_check.sandbox`) owns every pipe: request (stdin), answer, status and
the error output; nothing is written to a file the student could replace.

CONFIG (JSON): ``{"work", "result_fd", "status_fd", "read_only", "excluded",
"read_write_files", "paths", "memory_mb", "cpu_seconds", "file_bytes", "open_files", "processes",
"disable": [protection, ...], "require_all"}``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import sys
from types import ModuleType

HERE = os.path.dirname(os.path.abspath(__file__))


def _sibling(name: str) -> ModuleType:
    # -I leaves this folder off sys.path: load the few siblings by path, now, while the
    # folder can still be read.
    spec = importlib.util.spec_from_file_location(f"_backward_check_{name}",
                                                  os.path.join(HERE, f"{name}.py"))
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _exit_code(status: int) -> int:
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1


def _close_quietly(*fds: int) -> None:
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)


def _to_dev_null(*fds: int) -> None:
    null = os.open(os.devnull, os.O_RDWR)
    for fd in fds:
        os.dup2(null, fd)
    os.close(null)


def main(argv: list[str]) -> int:
    config = json.loads(argv[1])
    namespaces = _sibling("namespaces")
    landlock = _sibling("landlock")
    worker = _sibling("worker")
    disable = set(config.get("disable", ()))
    result_fd, status_fd = int(config["result_fd"]), int(config["status_fd"])
    applied = {"user_namespace": False, "pid_namespace": False, "network_namespace": False}
    if "namespaces" not in disable:
        applied = namespaces.unshare_user_pid_network()

    reaper = os.fork()
    if reaper:
        # The launcher tells the checker the reaper's process id (the checker ends a check
        # by killing the reaper, then waits for this process: by then every process in the
        # namespace is gone).  Its own end kills the reaper too (PR_SET_PDEATHSIG).
        _close_quietly(0, result_fd, status_fd)
        worker.write_all(1, f"{reaper}\n".encode())
        _to_dev_null(1, 2)
        _, status = os.waitpid(reaper, 0)
        return _exit_code(status)

    # The reaper: PID 1 of the new namespace (or a plain parent without one).
    namespaces.die_with_parent()
    if os.getppid() == 1 and not applied["pid_namespace"]:
        os._exit(137)  # the launcher is already gone
    student = os.fork()
    if student:
        _close_quietly(result_fd, status_fd)
        _to_dev_null(0, 1, 2)
        namespaces.not_dumpable()
        code = 1
        while True:
            try:
                pid, status = os.waitpid(-1, 0)
            except ChildProcessError:
                break
            except InterruptedError:  # pragma: no cover - PEP 475 retries
                continue
            if pid == student:
                code = _exit_code(status)
                break
        if not applied["pid_namespace"]:
            with contextlib.suppress(OSError):
                os.killpg(student, 9)  # what it can reach without a namespace: its group
        os._exit(code)

    # The student's process (in a group of its own, for a machine without namespaces).
    if not applied["pid_namespace"]:
        os.setpgid(0, 0)
    applied["no_new_privs"] = namespaces.no_new_privs()
    abi = landlock.abi_version() if "landlock" not in disable else 0
    applied.update(files=False, network=False, signals=False)
    if abi and applied["no_new_privs"]:
        rules = landlock.expand_rules(config["read_only"], config["excluded"])
        # Its own folder: everything but running programs or making devices.
        rules.append((config["work"], landlock.handled_fs(abi) & ~(
            landlock.EXECUTE | landlock.MAKE_CHAR | landlock.MAKE_BLOCK)))
        rules += [(path, landlock.READ_FILE | landlock.WRITE_FILE)
                  for path in config["read_write_files"]]
        try:
            applied.update(landlock.restrict(abi, rules))
        except OSError:
            abi = 0
    else:
        abi = 0
    applied["rlimits"] = "rlimits" not in disable and namespaces.limit_resources(
        int(config["memory_mb"]), int(config["cpu_seconds"]), int(config["file_bytes"]),
        int(config["open_files"]), int(config["processes"]))
    namespaces.not_dumpable()
    namespaces.drop_capabilities()
    sys.path.extend(config["paths"])
    try:
        import numpy  # noqa: F401 - before the clock of the student's code starts
    except BaseException as error:
        worker.write_all(2, f"\nnumpy cannot be imported for the check: "
                            f"{type(error).__name__}: {error}\n".encode())
        os._exit(worker.CANNOT_CHECK)
    record = {"landlock_abi": abi, **applied}
    worker.write_all(status_fd, json.dumps(record).encode())
    os.close(status_fd)
    if config.get("require_all") and not (abi and all(applied.values())):
        missing = ", ".join(name for name, on in applied.items() if not on)
        worker.write_all(2, f"\nthe isolation a grade requires is incomplete (missing: "
                            f"{missing}): the file was not run\n".encode())
        os._exit(worker.CANNOT_CHECK)
    _to_dev_null(1)
    code = worker.serve(0, result_fd, config["work"], int(config["memory_mb"]))
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main(sys.argv))

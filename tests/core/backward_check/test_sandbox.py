"""The sandbox's parts that run in the checker's own process: the Landlock rules it asks
for, the answer's binary layout, the status record, and messages made safe to print.
(The containment itself is tested in tests/hostile/test_backward_containment.py.)"""

from __future__ import annotations

import math
import struct

import pytest

from core.backward_check import landlock
from core.backward_check.sandbox import Containment, clean_message
from core.backward_check.worker import HEADER, MAGIC, decode_result, encode_result


def test_rules_leave_out_an_excluded_folder_inside_an_allowed_one(tmp_path):
    stdlib = tmp_path / "lib" / "python3"
    (stdlib / "site-packages" / "torch").mkdir(parents=True)
    (stdlib / "json").mkdir()
    (stdlib / "os.py").write_text("")
    home = tmp_path  # an excluded folder around the allowed root does not exclude it
    rules = dict(landlock.expand_rules([str(stdlib)], [str(stdlib / "site-packages"),
                                                       str(home)]))
    assert rules == {str(stdlib): landlock.READ_DIR,
                     str(stdlib / "json"): landlock.READ_ONLY,
                     str(stdlib / "os.py"): landlock.READ_FILE}
    # Nothing to carve: the whole tree read-only, in one rule.
    assert landlock.expand_rules([str(stdlib / "json")], [str(home / "elsewhere")]) == [
        (str(stdlib / "json"), landlock.READ_ONLY)]
    # A root that does not exist is left out.
    assert landlock.expand_rules([str(tmp_path / "absent")], []) == []


def test_each_abi_handles_the_rights_it_knows():
    assert landlock.handled_fs(0) == 0
    assert landlock.handled_fs(1) == (1 << 13) - 1
    assert landlock.handled_fs(2) & landlock.REFER
    assert not landlock.handled_fs(2) & landlock.TRUNCATE
    assert landlock.handled_fs(5) == (1 << 16) - 1
    assert landlock.handled_fs(7) == landlock.handled_fs(5)
    assert struct.calcsize("<Qi") == 12 == landlock.ctypes.sizeof(landlock.PathBeneathAttr)


def test_the_answer_round_trips_and_nothing_else_is_accepted():
    backward = [[1.0, -2.5], [math.inf, 0.0], [math.nan, 1e-300]]
    forward = [[0.5, None], [None, None], [1.0, 2.0]]
    data = encode_result(backward, forward, 2, 2)
    got_backward, got_forward = decode_result(data, 3, 2, 2)
    assert got_backward[0] == [1.0, -2.5]
    assert got_backward[1][0] == math.inf
    assert math.isnan(got_backward[2][0])
    assert got_forward == [{0: 0.5}, {}, {0: 1.0, 1: 2.0}]
    assert decode_result(encode_result(backward, None, 2, 2), 3, 2, 2)[1] is None
    bad = {
        "empty": b"",
        "truncated": data[:-1],
        "one byte more": data + b"\0",
        "other magic": b"XXXX" + data[4:],
        "other shape": encode_result(backward[:2], forward[:2], 2, 2),
        "a flag of 2": data[:HEADER.size + 48] + b"\2" + data[HEADER.size + 49:],
        "JSON": b'{"ok": true, "backward": [[0.0, 0.0]]}',
    }
    for case, answer in bad.items():
        with pytest.raises(ValueError, match="answer"):
            decode_result(answer, 3, 2, 2)
        assert case
    assert data.startswith(MAGIC)


def test_a_status_record_that_is_not_the_launchers_applies_nothing():
    full = Containment(7, *([True] * 8))
    assert full.complete
    assert Containment.parse(b'{"landlock_abi": 7, "files": true}').files
    for junk in (b"", b"[]", b"\xff", b'{"landlock_abi": "7", "files": 1}',
                 b'{"landlock_abi": 10000000}', b"[" * 100_000):
        parsed = Containment.parse(junk)
        assert parsed.landlock_abi == 0
        assert not parsed.files
        assert not parsed.complete
    assert Containment().describe() == "not contained"
    partial = Containment(3, files=True, no_new_privs=True, rlimits=True)
    assert partial.describe() == ("contained by Landlock ABI 3 (files), no_new_privs, "
                                  "resource limits; missing: network, signals, "
                                  "user_namespace, pid_namespace, network_namespace")
    assert full.describe() == ("contained by Landlock ABI 7 (files, TCP, signals), user, PID "
                               "and network namespaces, no_new_privs, resource limits")


def test_messages_lose_escapes_and_control_characters_and_stay_short():
    assert clean_message("a\x1b[31mred\x1b[0m b") == "ared b"
    assert clean_message("title\x1b]0;owned\x07 x") == "title x"
    assert clean_message("line one\nline two\r\tthree") == "line one line two three"
    assert clean_message("rtl \u202eevil\u200b zero\x00 bell\x07") == "rtl evil zero bell"
    long = clean_message("x" * 10_000)
    assert len(long) == 300
    assert long.endswith("…")


def test_a_student_file_that_is_a_device_a_link_loop_or_unreadable_says_so(tmp_path):
    from core.backward_check.sandbox import CheckPoint, StudentCodeError, run_student_file

    loop = tmp_path / "loop.py"
    loop.symlink_to(loop)
    point = [CheckPoint((1.0,), 1.0, (1.0,), {})]
    for path, words in (("/dev/zero", "is a character device, not a regular file"),
                        (str(loop), "cannot read the file"),
                        (str(tmp_path / "absent.py"), "no such file"),
                        (str(tmp_path), "is a directory, not a Python file")):
        with pytest.raises(StudentCodeError, match=words):
            run_student_file(path, point, ["da"], timeout=5)


def test_the_read_only_roots_are_the_stdlib_numpy_and_libraries_never_the_app(tmp_path):
    import os

    import numpy

    from core.backward_check.sandbox import APP_ROOT, _read_only_roots, _site_folders

    roots = _read_only_roots(tmp_path)
    assert os.path.dirname(os.path.realpath(os.__file__)) in roots
    assert os.path.dirname(os.path.realpath(numpy.__file__)) in roots
    assert len(roots) == len(set(roots))
    for root in roots:
        if root.startswith(os.path.realpath(numpy.__file__).rsplit("/numpy/", 1)[0]):
            assert "numpy" in root  # of the site-packages, numpy's folders only
        assert not root.startswith(str(APP_ROOT) + "/") or "numpy" in root
        assert root not in _site_folders()

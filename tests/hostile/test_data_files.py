"""Data files that claim or unpack to more than the memory budget are refused before
anything large is allocated, with their size and the limit; every loader error becomes one
DataError in one place, for the command line and the window."""

from __future__ import annotations

import subprocess
import sys

import pytest

from core.data.datasets import MAX_DATA_BYTES, DataError, load_dataset
from tests.cli.helpers import run_fails
from tests.conftest import ROOT
from tests.hostile.data_files import HOSTILE_FILES

CASES = sorted(HOSTILE_FILES)


@pytest.mark.parametrize("case", CASES)
def test_the_loader_refuses_with_size_and_limit(hostile_data, case):
    _, words = HOSTILE_FILES[case]
    path = hostile_data[case]
    with pytest.raises(DataError) as caught:
        load_dataset(path)
    message = str(caught.value)
    assert words in message
    assert str(path) in message
    assert "\n" not in message


@pytest.mark.parametrize("case", CASES)
def test_every_command_refuses_with_one_line(hostile_data, capsys, case):
    _, words = HOSTILE_FILES[case]
    path = hostile_data[case]
    for command in ("inspect", "gradcheck", "train", "compare"):
        run_fails(capsys, [command, "--data", str(path)], words)


def test_the_windows_open_data_keeps_the_previous_data(window, session, hostile_data):
    from PySide6.QtWidgets import QMessageBox

    before = session.training.dataset
    for case in CASES:
        _, words = HOSTILE_FILES[case]
        assert window.open_data_file(str(hostile_data[case])) is None, case
        assert session.training.dataset is before
        boxes = [w for w in window.findChildren(QMessageBox)
                 if w.objectName() == "problem_box" and w.isVisible()]
        assert len(boxes) == 1, case
        assert words in boxes[0].text(), case
        boxes[0].close()


def test_an_empty_data_path_says_so(capsys):
    run_fails(capsys, ["inspect", "--data", ""], "the path is empty")
    with pytest.raises(DataError, match="the path is empty"):
        load_dataset("")


def test_the_budget_is_documented_and_sane():
    assert MAX_DATA_BYTES == 256 * 2**20
    assert "MAX_DATA_BYTES" in (ROOT / "core" / "data" / "datasets.py").read_text()


def test_the_zip_bomb_is_refused_without_unpacking(hostile_data):
    """In a fresh process, peak memory stays far below the 1 GiB the bomb unpacks to."""
    bomb = hostile_data["npz zip bomb"]
    csv = hostile_data["sparse 6 GiB csv"]
    script = (
        "import resource, sys\n"
        "from core.data.datasets import DataError, load_dataset\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "for path in sys.argv[1:]:\n"
        "    try:\n"
        "        load_dataset(path)\n"
        "    except DataError:\n"
        "        pass\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n"
    )
    result = subprocess.run([sys.executable, "-c", script, str(bomb), str(csv)],
                            capture_output=True, text=True, cwd=ROOT, timeout=60, check=True)
    grown_kib = int(result.stdout.strip())
    assert grown_kib * 1024 < 64 * 2**20, grown_kib  # the file is read, nothing unpacked

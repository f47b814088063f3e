"""python main.py export OUT.png|OUT.svg|OUT.csv: pictures without a screen, the history
as a table."""

from __future__ import annotations

import csv
import struct
import xml.etree.ElementTree as ET

import pytest

from cli.app import run
from tests.cli.helpers import run_fails, run_json


def _png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def _svg_texts(path):
    root = ET.parse(path).getroot()  # valid XML or it raises
    assert root.tag.endswith("svg")
    return {"".join(e.itertext()).strip() for e in root.iter() if e.tag.endswith("text")}


def test_the_graph_as_svg_holds_every_node_label_and_the_legends(tmp_path, capsys):
    path = tmp_path / "graph.svg"
    out = run_json(capsys, ["export", str(path), "--steps", "5", "--json"])
    assert out == {"path": str(path), "format": "svg", "steps": 5, "rows": None,
                   "size": [1600, 1000]}
    texts = _svg_texts(path)
    for label in ("w1", "w9", "x5", "exp", "tanh", "sin", "σ", "y'", "L", "×", "+"):
        assert label in texts, label
    # Each op by its name too: which × is which (the seed has eight).
    for name in ("w1·x1", "w1·x1+w2·x2", "#4", "val", "part_1", "part_1+w7", "part_2",
                 "v1", "v2", "v1·v2", "v1·v2+w8", "part_3", "part_3·w9"):
        assert name in texts, name
    assert any(t.startswith("chain rule") for t in texts)
    assert any("weight" in t for t in texts)  # the encoding legend


def test_the_graph_as_png(tmp_path, capsys):
    path = tmp_path / "graph.png"
    assert run(["export", str(path), "--graph", "xor"]) == 0
    assert capsys.readouterr().out.strip() == str(path)
    width, height = _png_size(path)
    assert width >= 800 and height >= 500


def test_the_history_as_csv_has_one_row_per_step(tmp_path, capsys):
    path = tmp_path / "history.csv"
    out = run_json(capsys, ["export", str(path), "--steps", "37", "--optimizer", "adam",
                            "--shuffle", "--json"])
    assert out["rows"] == 37
    rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    assert rows[0][:4] == ["step", "epoch", "sample", "loss"]
    assert "w9" in rows[0] and "dL/dw9" in rows[0]
    assert len(rows) == 1 + 37
    assert [int(r[0]) for r in rows[1:]] == list(range(1, 38))


@pytest.mark.parametrize(("argv", "words"), [
    (["export", "out.txt"], "export writes .png, .svg, .csv, .gif, .mp4 or .py"),
    (["export", "/no/such/folder/out.png"], "does not exist"),
    (["export", "out.csv", "--steps", "-3"], "must be >= 0"),
    (["export", "out.csv", "--graph", "w1*"], "formula error"),
])
def test_bad_export_requests_exit_2(capsys, argv, words):
    run_fails(capsys, argv, words)

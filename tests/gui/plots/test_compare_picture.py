"""``compare --plot`` draws the window's Compare plot offscreen: the picture's size, its
curves in the plot's colours, a title and labels, SVG too, one-line errors."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QImage

from core.training.compare import compare_optimizers
from core.training.optimizers import make_optimizer
from gui.files.exports import ExportError
from gui.plots.compare_picture import PICTURE_SIZE, legend_label, save_compare_picture
from gui.plots.style import colour


@pytest.fixture(scope="module")
def comparison(seed_graph, dataset):
    optimizers = [make_optimizer(name, 9) for name in ("sgd", "momentum", "adam")]
    return compare_optimizers(seed_graph, dataset, optimizers, epochs=4)


def _colours(image: QImage) -> set[str]:
    return {QColor(image.pixel(x, y)).name()
            for y in range(0, image.height(), 2) for x in range(0, image.width(), 2)}


@pytest.mark.parametrize("log", [False, True])
def test_the_picture_shows_every_run_in_its_colour(qtbot, comparison, tmp_path, log):
    path = save_compare_picture(comparison, tmp_path / "loss.png", log=log)
    image = QImage(str(path))
    assert (image.width(), image.height()) == PICTURE_SIZE
    seen = _colours(image)
    for i in range(len(comparison.runs)):
        assert colour(i).lower() in seen, i
    # White background, black axes and text.
    assert "#ffffff" in seen
    assert "#000000" in seen


def test_svg_pictures_and_bad_suffixes(qtbot, comparison, tmp_path):
    path = save_compare_picture(comparison, tmp_path / "loss.svg")
    text = path.read_text(encoding="utf-8")
    assert text.lstrip().startswith("<?xml") or "<svg" in text[:400]
    assert "epoch" in text and "Mean loss per epoch" in text
    with pytest.raises(ExportError, match=r"\.png or \.svg"):
        save_compare_picture(comparison, tmp_path / "loss.jpg")
    with pytest.raises(ExportError, match="does not exist"):
        save_compare_picture(comparison, tmp_path / "missing" / "loss.png")


def test_a_diverged_run_says_where_in_the_legend(seed_graph, dataset):
    runs = compare_optimizers(seed_graph, dataset, [make_optimizer("adam", 9, lr=3.0)],
                              epochs=2).runs
    assert runs[0].diverged is not None
    assert legend_label(runs[0]) == f"Adam (diverged at step {runs[0].diverged.step})"

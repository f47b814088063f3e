"""The Compare plot drawn without a window, for ``python main.py compare --plot FILE``.

The picture is the window's own Compare plot (:class:`gui.plots.compare_chart.CompareChart`)
at a fixed size on an offscreen surface, saved with :func:`gui.files.exports.export_plot`.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import QApplication

from core.training.compare import Comparison, TrainingRun
from gui.files.exports import export_plot, picture_format
from gui.offscreen import offscreen_application
from gui.plots.compare_chart import CompareChart

#: Size of the picture, in pixels.
PICTURE_SIZE = (900, 560)


def legend_label(run: TrainingRun) -> str:
    """The optimizer's title, and where it diverged if it did."""
    if run.diverged is None:
        return run.title
    return f"{run.title} (diverged at step {run.diverged.step})"


def save_compare_picture(comparison: Comparison, path: str | os.PathLike[str],
                         log: bool = False, size: tuple[int, int] = PICTURE_SIZE) -> Path:
    """Draw the mean loss per epoch of every run and save it as PNG or SVG (by suffix).

    Parameters
    ----------
    comparison
        The runs, all from the same initial weights.
    path
        The file to write.
    log
        A logarithmic loss axis.
    size
        Width and height in pixels.

    Raises
    ------
    gui.files.exports.ExportError
        For an unknown suffix or a file that cannot be written.
    """
    picture_format(path)  # refuse a bad suffix before drawing anything
    app = offscreen_application()
    chart = CompareChart(heading=f"Mean loss per epoch, same initial weights "
                                 f"(seed {comparison.seed})",
                         y_label="mean loss (log scale)" if log else "mean loss")
    widget = chart.plot
    try:
        widget.resize(*size)
        widget.show()
        QApplication.processEvents()  # lay out the axes and the legend before fitting
        chart.add_curves([(run.optimizer, legend_label(run)) for run in comparison.runs])
        chart.set_log(log)
        QApplication.processEvents()
        for run in comparison.runs:
            chart.draw(run.optimizer, run.epoch_loss)
        # The axes size themselves to their tick labels while painting: paint once, let
        # the layout follow, then export.
        widget.grab()
        QApplication.processEvents()
        return export_plot(widget, path, size)
    finally:
        widget.close()
        widget.deleteLater()
        QApplication.processEvents()
        del app

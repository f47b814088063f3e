"""Pictures of what the window draws: the graph (with its legends, as drawn) and each plot,
as PNG or SVG.

The graph view is rendered with ``QWidget.render``, so the picture holds exactly what the
view draws, legends included; into a ``QSvgGenerator`` the same painting becomes vector
shapes and ``<text>`` elements.  Plot PNGs use pyqtgraph's image exporter.  Every failure is an
:class:`ExportError` with one line naming the file and the problem.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QRegion
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsView, QScrollBar, QWidget

#: Picture formats, by file suffix.
PICTURE_SUFFIXES = (".png", ".svg")


class ExportError(ValueError):
    """A picture or table that could not be written (one line: the file and why)."""


def picture_format(path: str | os.PathLike[str]) -> str:
    """``png`` or ``svg`` from the file name.

    Raises
    ------
    ExportError
        For any other suffix.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in PICTURE_SUFFIXES:
        raise ExportError(f"{os.fspath(path)}: a picture is .png or .svg, not "
                          f"{suffix or 'a file without a suffix'}")
    return suffix[1:]


def _check_written(path: Path) -> None:
    if not path.is_file() or path.stat().st_size == 0:
        raise ExportError(f"{path}: cannot write the file there")


def _check_folder(path: Path) -> None:
    if not path.parent.is_dir():
        raise ExportError(f"{path}: the folder {path.parent} does not exist")


def export_widget(widget: QWidget, path: str | os.PathLike[str], title: str = "") -> Path:
    """Save what ``widget`` draws (its children too: the graph's legends) as PNG or SVG.

    Raises
    ------
    ExportError
        For an unknown suffix, a missing folder or a file that cannot be written.
    """
    target = Path(path)
    kind = picture_format(target)
    _check_folder(target)
    if kind == "png":
        if not widget.grab().save(str(target), "PNG"):
            raise ExportError(f"{target}: cannot write a PNG there")
        return target
    size = widget.size()
    generator = QSvgGenerator()
    generator.setFileName(str(target))
    generator.setSize(QSize(size.width(), size.height()))
    generator.setViewBox(QRect(0, 0, size.width(), size.height()))
    generator.setTitle(title or "Backprop Explorer")
    generator.setDescription("Exported by Backprop Explorer")
    painter = QPainter()
    if not painter.begin(generator):
        raise ExportError(f"{target}: cannot write an SVG there")
    try:
        _paint(widget, painter)
    finally:
        painter.end()
    _check_written(target)
    return target


def _paint(widget: QWidget, painter: QPainter) -> None:
    """Paint ``widget`` as it is drawn on screen.  A graphics view paints its scene as
    vectors (``QGraphicsView.render``), then the widgets floating over it (the graph's
    legends) at their places."""
    if not isinstance(widget, QGraphicsView):
        QWidget.render(widget, painter, QPoint(), QRegion(),
                       QWidget.RenderFlag.DrawChildren)
        return
    viewport = widget.viewport()
    area = viewport.geometry()
    widget.render(painter, QRectF(area), viewport.rect())
    for child in widget.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly):
        if child is viewport or not child.isVisible() or isinstance(child, QScrollBar):
            continue
        if child.parentWidget() is not widget or child.geometry().isEmpty():
            continue
        QWidget.render(child, painter, child.pos(), QRegion(),
                       QWidget.RenderFlag.DrawChildren
                       | QWidget.RenderFlag.DrawWindowBackground)


def export_plot(plot: pg.PlotWidget, path: str | os.PathLike[str]) -> Path:
    """Save a pyqtgraph plot: PNG with pyqtgraph's image exporter, SVG by rendering the
    plot widget into a ``QSvgGenerator`` (pyqtgraph's SVG exporter cannot parse the path
    data this Qt writes: pyqtgraph issue #3485).

    Raises
    ------
    ExportError
        For an unknown suffix, a missing folder or a file that cannot be written.
    """
    from pyqtgraph import exporters

    target = Path(path)
    kind = picture_format(target)
    _check_folder(target)
    if kind == "svg":
        return export_widget(plot, target, "plot")
    item = plot.getPlotItem()
    exporter = exporters.ImageExporter(item)
    exporter.parameters()["width"] = max(int(item.sceneBoundingRect().width()), 200)
    try:
        exporter.export(str(target))
    except OSError as error:
        raise ExportError(f"{target}: {error.strerror or error}") from error
    _check_written(target)
    return target

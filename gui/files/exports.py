"""Pictures of what the window draws: the graph (with its legends, as drawn) and each plot,
as PNG or SVG.

The graph view is rendered with ``QWidget.render``, so the picture holds exactly what the
view draws, legends included; into a ``QSvgGenerator`` the same painting becomes vector
shapes and ``<text>`` elements.  Plot PNGs use pyqtgraph's image exporter.  Every failure is an
:class:`ExportError` with one line naming the file and the problem.

Every picture is written atomically (:mod:`core.atomic_file`): into a temporary file in
the target's folder, then moved onto it, so a crash never leaves half a picture; a target
that is a folder, a FIFO or a device is refused before anything is opened.

A plot is exported at a size of its own, not the strip it may be squeezed into on screen
(the loss plot is about 988x127 in a 1024x768 window): by default as wide as on screen (at
least :data:`MIN_PLOT_WIDTH` pixels) with a width:height between 4:3 and 2:1
(:func:`default_plot_size`), or at any size asked for.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QRegion, QResizeEvent
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsView, QScrollBar, QWidget

from core.atomic_file import NotAFileError, atomic_target
from core.inputs import MAX_SIDE, MIN_SIDE  # a picture's sides: the range --size takes

#: Picture formats, by file suffix.
PICTURE_SUFFIXES = (".png", ".svg")
#: Narrowest default plot picture, and the range of its width:height.
MIN_PLOT_WIDTH = 960
MAX_PLOT_WIDTH = 1920
PLOT_ASPECTS = (4 / 3, 2.0)


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


def check_size(size: tuple[int, int]) -> tuple[int, int]:
    """``size`` if each side is :data:`MIN_SIDE`..:data:`MAX_SIDE` pixels.

    Raises
    ------
    ExportError
        Naming the side out of range.
    """
    width, height = size
    for name, side in (("width", width), ("height", height)):
        if not MIN_SIDE <= side <= MAX_SIDE:
            raise ExportError(f"a picture's {name} is {MIN_SIDE}..{MAX_SIDE} pixels, "
                              f"not {side}")
    return width, height


def default_plot_size(on_screen: QSize) -> tuple[int, int]:
    """The picture size a plot is exported at unless another is asked for: as wide as on
    screen, within :data:`MIN_PLOT_WIDTH`..:data:`MAX_PLOT_WIDTH`, and as tall as keeps its
    width:height within :data:`PLOT_ASPECTS` (a 988x127 strip becomes 988x494)."""
    width = min(max(on_screen.width(), MIN_PLOT_WIDTH), MAX_PLOT_WIDTH)
    aspect = on_screen.width() / max(on_screen.height(), 1)
    low, high = PLOT_ASPECTS
    aspect = min(max(aspect, low), high)
    return width, round(width / aspect)


@contextlib.contextmanager
def _atomic(target: Path, kind: str) -> Iterator[Path]:
    """A temporary file to write ``target``'s picture into, moved onto it at the end;
    every problem as an :class:`ExportError`."""
    try:
        with atomic_target(target) as temporary:
            yield temporary
            if temporary.stat().st_size == 0:
                raise ExportError(f"{target}: cannot write {kind} there")
    except NotAFileError as error:
        raise ExportError(str(error)) from None
    except OSError as error:
        raise ExportError(f"{target}: {error.strerror or error}") from None


def export_widget(widget: QWidget, path: str | os.PathLike[str], title: str = "") -> Path:
    """Save what ``widget`` draws (its children too: the graph's legends) as PNG or SVG;
    children for the screen only (the graph's overview inset: property ``screen_only``)
    are left out.

    Raises
    ------
    ExportError
        For an unknown suffix, a missing folder or a file that cannot be written.
    """
    target = Path(path)
    kind = picture_format(target)
    if kind == "png":
        with _atomic(target, "a PNG") as temporary, _without_screen_only(widget):
            if not widget.grab().save(str(temporary), "PNG"):
                raise ExportError(f"{target}: cannot write a PNG there")
        return target
    size = widget.size()
    with _atomic(target, "an SVG") as temporary, _without_screen_only(widget):
        generator = QSvgGenerator()
        generator.setFileName(str(temporary))
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
    return target


@contextlib.contextmanager
def _without_screen_only(widget: QWidget) -> Iterator[None]:
    """``widget``'s shown children with the ``screen_only`` property hidden for the time
    of the block, then shown again (nothing is repainted in between)."""
    hidden = [child for child in widget.findChildren(QWidget)
              if child.property("screen_only") and child.isVisible()]
    for child in hidden:
        child.hide()
    try:
        yield
    finally:
        for child in hidden:
            child.show()


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


@contextlib.contextmanager
def _laid_out_at(widget: QWidget, size: tuple[int, int]) -> Iterator[None]:
    """``widget`` laid out at ``size`` for the time of the block, then as before.  Nothing
    is repainted in between: the window never shows the other size."""
    old = widget.size()
    new = QSize(*size)
    if new == old:
        yield
        return
    widget.resize(new)
    # A hidden widget (a plot on another tab) gets its resize event only when shown.
    hidden = not widget.isVisible()
    if hidden:
        widget.resizeEvent(QResizeEvent(new, old))
    try:
        yield
    finally:
        widget.resize(old)
        if hidden:
            widget.resizeEvent(QResizeEvent(old, new))


def export_plot(plot: pg.PlotWidget, path: str | os.PathLike[str],
                size: tuple[int, int] | None = None) -> Path:
    """Save a pyqtgraph plot ``size`` pixels large (default :func:`default_plot_size`):
    PNG with pyqtgraph's image exporter, SVG by rendering the plot widget into a
    ``QSvgGenerator`` (pyqtgraph's SVG exporter cannot parse the path data this Qt writes:
    pyqtgraph issue #3485).  The plot is laid out at that size to be drawn, so its axes
    and labels are placed for it rather than stretched.

    Raises
    ------
    ExportError
        For an unknown suffix, a size out of range, a target that is not a file, a
        missing folder or a file that cannot be written.
    """
    from pyqtgraph import exporters

    target = Path(path)
    kind = picture_format(target)
    width, height = check_size(size or default_plot_size(plot.size()))
    with _laid_out_at(plot, (width, height)):
        if kind == "svg":
            return export_widget(plot, target, "plot")
        item = plot.getPlotItem()
        exporter = exporters.ImageExporter(item)
        exporter.parameters()["width"] = width
        exporter.parameters()["height"] = height
        with _atomic(target, "a PNG") as temporary:
            exporter.export(str(temporary))
    return target

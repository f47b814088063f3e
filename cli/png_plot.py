"""A small PNG line-plot renderer made of numpy and zlib: no matplotlib, no Qt.

It draws what the comparison needs: lines (antialiased, a few pixels thick), axes with
"nice" tick labels on a linear or logarithmic scale, a grid, a legend and a title.  Text
uses the X11 ``misc-fixed`` 6x13 bitmap fonts (regular and bold, printable ASCII), which
are in the public domain; each glyph row is 6 bits, stored as one base64 character.
"""

from __future__ import annotations

import math
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

GLYPH_WIDTH = 6
GLYPH_HEIGHT = 13
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

# Glyphs for characters 32..126, 13 rows each, top row first.
_FONT_REGULAR = (
    "AAAAAAAAAAAAAAAIIIIIIIAIAAAAUUUAAAAAAAAAAAUU+U+UUAAAAAIeoocKK8IAAAASqUEIQUqkAA"
    "AAAQooQomkaAAAAIIIAAAAAAAAAEIIQQQQQIIEAAQIIEEEEEIIQAAAIqcqIAAAAAAAAAAII+IIAAAA"
    "AAAAAAAAAMIQAAAAAAA+AAAAAAAAAAAAAAAIcIAAACCEEIQQggAAAAIUiiiiiUIAAAAIYoIIIII+AA"
    "AAciiCEIQg+AAAA+CEIcCCicAAAAEEMUUk+EEAAAA+ggsyCCicAAAAcigg8iiicAAAA+CEEIIQQQAA"
    "AAciiiciiicAAAAciiieCCicAAAAAAIcIAAIcIAAAAAIcIAAMIQAAACEIQgQIECAAAAAAA+AA+AAAA"
    "AAgQIECEIQgAAAAciiCEIIAIAAAAciimqqsgeAAAAIUiii+iiiAAAA8SSScSSS8AAAAcigggggicAA"
    "AA8SSSSSSS8AAAA+ggg8ggg+AAAA+ggg8ggggAAAAcigggmiicAAAAiiii+iiiiAAAAcIIIIIIIcAA"
    "AAOEEEEEEkYAAAAiikowokiiAAAAgggggggg+AAAAii2qqiiiiAAAAiyyqqmmiiAAAAciiiiiiicAA"
    "AA8iii8ggggAAAAciiiiiiqcCAAA8iii8okiiAAAAciggcCCicAAAA+IIIIIIIIAAAAiiiiiiiicAA"
    "AAiiiiUUUIIAAAAiiiiqqqqUAAAAiiUUIUUiiAAAAiiUUIIIIIAAAA+CEEIQQg+AAAcQQQQQQQQQcA"
    "AAggQQIEECCAAAcEEEEEEEEEcAAAIUiAAAAAAAAAAAAAAAAAAA+AAIEAAAAAAAAAAAAAAAcCeimaAA"
    "AAggg8iiii8AAAAAAAciggicAAAACCCeiiiieAAAAAAAci+gicAAAAMSQQ8QQQQAAAAAAAciiieCic"
    "AAgggsyiiiiAAAAAIAYIIIIcAAAAAEAMEEEEkkYAAgggkowokiAAAAYIIIIIIIcAAAAAAA0qqqqiAA"
    "AAAAAsyiiiiAAAAAAAciiiicAAAAAAA8iii8gggAAAAAeiiieCCCAAAAAsyggggAAAAAAAciYEicAA"
    "AAAQQ8QQQSMAAAAAAAiiiimaAAAAAAAiiiUUIAAAAAAAiiqqqUAAAAAAAiUIIUiAAAAAAAiiimaCic"
    "AAAAA+EIQg+AAAGIIIIwIIIIGAAAIIIIIIIIIAAAwIIIIGIIIIwAAASqkAAAAAAAA"
)
_FONT_BOLD = (
    "AAAAAAAAAAAAAAAMMMMMMMAMAAAA222AAAAAAAAAAAee/e/eeAAAAAAMe8ePeMAAAAAb/eGMYe/2AA"
    "AAAAY88Y/2fAAAAMMMAAAAAAAAAGMMYYYYYMMGAAYMMGGGGGMMYAAAAAze/ezAAAAAAAAMM/MMAAAA"
    "AAAAAAAAAOMYAAAAAAA/AAAAAAAAAAAAAAAMeMAAADDGGMYYwwAAAAMezzzzzeMAAAAMc8MMMMM/AA"
    "AAezzDGMYw/AAAA/DGMeDDzeAAAAGGOeW2/GGAAAA/ww+7DDzeAAAAOYww+7zzeAAAA/DGGMMYYYAA"
    "AAezzzezzzeAAAAezz3fDDGcAAAAAMeMAAMeMAAAAAAMeMAAOMYAAADGMYwYMGDAAAAAAA/AA/AAAA"
    "AAwYMGDGMYwAAAAezzDGMMAMAAAAezz3//+wfAAAAMezzz/zzzAAAA+bbbebbb+AAAAezwwwwwzeAA"
    "AA+bbbbbbb+AAAA/www+www/AAAA/www+wwwwAAAAezwww3zzeAAAAzzzz/zzzzAAAAeMMMMMMMeAA"
    "AAPDDDDDDzeAAAAzz28482zzAAAAwwwwwwww/AAAAzz///zzzzAAAAz77//33zzAAAAezzzzzzzeAA"
    "AA+zzz+wwwwAAAAezzzzzz/eDAAA+zzz+82zzAAAAezwweDDzeAAAA/MMMMMMMMAAAAzzzzzzzzeAA"
    "AAzzzzeeeMMAAAAzzzz////zAAAAzzeeMeezzAAAAzzeeMMMMMAAAA/DGGMYYw/AAAeYYYYYYYYYeA"
    "AAwwYYMGGDDAAAeGGGGGGGGGeAAAMezAAAAAAAAAAAAAAAAAAA/AAYMAAAAAAAAAAAAAAAeDfz3bAA"
    "AAwww27zz72AAAAAAAezwwzeAAAADDDb3zz3bAAAAAAAez/wweAAAAObYY+YYYYAAAAAAAf22cweze"
    "AAwww27zzzzAAAAMMAcMMMMeAAAAGGAOGGGG22cAAwww28482zAAAAcMMMMMMMeAAAAAAA+////zAA"
    "AAAAA27zzzzAAAAAAAezzzzeAAAAAAA27z72wwwAAAAAb3z3bDDDAAAAA27wwwwAAAAAAAezcGzeAA"
    "AAAYY+YYYbOAAAAAAAzzzz3bAAAAAAAzzzeeMAAAAAAAzz///SAAAAAAAzeMMezAAAAAAAzzz3bDze"
    "AAAAA/GMYw/AAAOYYYM4MYYYOAAAMMMMMMMMMAAA4MMMYOYMMM4AAAa+kAAAAAAAA"
)

Color = tuple[int, int, int]

#: Line colors, distinguishable on screens and projectors.
PALETTE: tuple[Color, ...] = (
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40),
    (148, 103, 189), (140, 86, 75), (227, 119, 194), (127, 127, 127),
)
BLACK: Color = (0, 0, 0)
TEXT: Color = (40, 40, 40)
GRID: Color = (218, 218, 218)
MINOR_GRID: Color = (242, 242, 242)
FRAME: Color = (90, 90, 90)
WHITE: Color = (255, 255, 255)


def _decode_font(rows: str) -> np.ndarray:
    codes = np.array([_ALPHABET.index(c) for c in rows], dtype=np.uint8)
    bits = (codes[:, None] >> np.arange(GLYPH_WIDTH - 1, -1, -1)) & 1
    return bits.reshape(-1, GLYPH_HEIGHT, GLYPH_WIDTH).astype(bool)


_FONTS: dict[bool, np.ndarray] = {}


def _glyphs(bold: bool) -> np.ndarray:
    if bold not in _FONTS:
        _FONTS[bold] = _decode_font(_FONT_BOLD if bold else _FONT_REGULAR)
    return _FONTS[bold]


def text_mask(text: str, bold: bool = False) -> np.ndarray:
    """The pixels of ``text`` as a boolean array (13 rows, 6 columns per character);
    characters outside printable ASCII are drawn as ``?``."""
    glyphs = _glyphs(bold)
    indices = [ord(c) - 32 if 32 <= ord(c) <= 126 else ord("?") - 32 for c in text]
    if not indices:
        return np.zeros((GLYPH_HEIGHT, 0), dtype=bool)
    return np.concatenate([glyphs[i] for i in indices], axis=1)


class Canvas:
    """An RGB image with antialiased drawing, kept as floats until encoded."""

    def __init__(self, width: int, height: int, background: Color = WHITE) -> None:
        self.width = width
        self.height = height
        self.pixels = np.empty((height, width, 3))
        self.pixels[:] = background

    def blend(self, top: int, left: int, coverage: np.ndarray, color: Color) -> None:
        """Paint ``color`` with per-pixel opacity ``coverage`` (0..1) at (top, left),
        clipped to the canvas."""
        h, w = coverage.shape
        y0, x0 = max(top, 0), max(left, 0)
        y1, x1 = min(top + h, self.height), min(left + w, self.width)
        if y0 >= y1 or x0 >= x1:
            return
        alpha = coverage[y0 - top:y1 - top, x0 - left:x1 - left, None]
        region = self.pixels[y0:y1, x0:x1]
        region += (np.asarray(color, dtype=float) - region) * alpha

    def fill(self, x0: float, y0: float, x1: float, y1: float, color: Color) -> None:
        """An axis-aligned rectangle, corners included, in whole pixels."""
        left, top = round(min(x0, x1)), round(min(y0, y1))
        right, bottom = round(max(x0, x1)), round(max(y0, y1))
        self.blend(top, left, np.ones((bottom - top + 1, right - left + 1)), color)

    def polyline(self, xs: np.ndarray, ys: np.ndarray, color: Color,
                 width: float = 2.5) -> None:
        """Connected segments through the points, antialiased; one point is a dot.

        Coverage is the maximum over the segments (so joints are not painted twice), from
        each pixel centre's distance to the nearest segment.
        """
        xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
        if xs.size == 0:
            return
        if xs.size == 1:
            xs, ys = np.repeat(xs, 2), np.repeat(ys, 2)
        half = width / 2.0
        pad = math.ceil(half + 1)
        left = max(math.floor(xs.min()) - pad, 0)
        top = max(math.floor(ys.min()) - pad, 0)
        right = min(math.ceil(xs.max()) + pad, self.width - 1)
        bottom = min(math.ceil(ys.max()) + pad, self.height - 1)
        if left > right or top > bottom:
            return
        coverage = np.zeros((bottom - top + 1, right - left + 1))
        for ax, ay, bx, by in zip(xs[:-1], ys[:-1], xs[1:], ys[1:], strict=True):
            x0 = max(math.floor(min(ax, bx) - half - 1), left)
            x1 = min(math.ceil(max(ax, bx) + half + 1), right)
            y0 = max(math.floor(min(ay, by) - half - 1), top)
            y1 = min(math.ceil(max(ay, by) + half + 1), bottom)
            if x0 > x1 or y0 > y1:
                continue
            px = np.arange(x0, x1 + 1, dtype=float)[None, :] + 0.5
            py = np.arange(y0, y1 + 1, dtype=float)[:, None] + 0.5
            dx, dy = bx - ax, by - ay
            length2 = dx * dx + dy * dy
            if length2 > 0.0:
                t = np.clip(((px - ax) * dx + (py - ay) * dy) / length2, 0.0, 1.0)
            else:
                t = np.zeros((py.size, px.size))
            distance = np.hypot(px - (ax + t * dx), py - (ay + t * dy))
            segment = np.clip(half + 0.5 - distance, 0.0, 1.0)
            view = coverage[y0 - top:y1 - top + 1, x0 - left:x1 - left + 1]
            np.maximum(view, segment, out=view)
        self.blend(top, left, coverage, color)

    def text(self, x: float, y: float, text: str, color: Color = TEXT, *,
             bold: bool = False, anchor: str = "left", valign: str = "middle",
             vertical: bool = False) -> None:
        """Draw ``text`` at (x, y): ``anchor`` is left, center or right, ``valign`` top,
        middle or bottom; ``vertical`` runs it bottom to top."""
        mask = text_mask(text, bold)
        if vertical:
            mask = np.rot90(mask)
        h, w = mask.shape
        along, across = (h, w) if vertical else (w, h)
        offset = {"left": 0.0, "center": along / 2.0, "right": float(along)}[anchor]
        cross = {"top": 0.0, "middle": across / 2.0, "bottom": float(across)}[valign]
        if vertical:
            left, top = round(x - cross), round(y - along + offset)
        else:
            left, top = round(x - offset), round(y - cross)
        self.blend(top, left, mask.astype(float), color)

    def png(self) -> bytes:
        """The image encoded as PNG."""
        return encode_png(np.clip(np.rint(self.pixels), 0, 255).astype(np.uint8))


def encode_png(rgb: np.ndarray) -> bytes:
    """PNG bytes of an 8-bit RGB image of shape (height, width, 3)."""
    height, width, _ = rgb.shape
    rows = np.zeros((height, width * 3 + 1), dtype=np.uint8)  # filter byte 0: none
    rows[:, 1:] = rgb.reshape(height, width * 3)

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows.tobytes(), 9)) + chunk(b"IEND", b""))


# -- axes ----------------------------------------------------------------------------------


def nice_ticks(low: float, high: float, target: int = 6) -> list[float]:
    """Round tick values (1, 2 or 5 times a power of ten apart) covering [low, high]."""
    if not high > low:
        return [low]
    raw = (high - low) / max(target - 1, 1)
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1.0, 2.0, 5.0, 10.0) if m * magnitude >= raw)
    first = math.ceil(low / step - 1e-9)
    last = math.floor(high / step + 1e-9)
    return [k * step for k in range(first, last + 1)]


def log_ticks(low: float, high: float) -> list[float]:
    """Tick values for a log axis over [low, high] (positive): powers of ten, with 2 and 5
    times them when the range spans few decades, or every few decades when it spans many."""
    lo, hi = math.floor(math.log10(low)), math.ceil(math.log10(high))
    decades = hi - lo
    if decades <= 2:
        candidates = [m * 10.0 ** e for e in range(lo, hi + 1) for m in (1.0, 2.0, 5.0)]
    else:
        every = max(1, math.ceil(decades / 8))
        candidates = [10.0 ** e for e in range(lo, hi + 1) if e % every == 0]
    ticks = [v for v in candidates if low * (1 - 1e-9) <= v <= high * (1 + 1e-9)]
    return ticks or [low, high]


def tick_label(value: float, step: float | None = None) -> str:
    """Short text for a tick value."""
    if value == 0.0:
        return "0"
    magnitude = abs(value)
    if 1e-3 <= magnitude < 1e5:
        if step is not None and step < 1.0:
            decimals = max(0, -math.floor(math.log10(step) + 1e-9))
            return f"{value:.{decimals}f}"
        return f"{value:g}"
    mantissa, exponent = f"{value:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


@dataclass(frozen=True)
class Series:
    """One line of a plot: its legend label and its points (non-finite y values, and
    non-positive ones on a log axis, leave gaps)."""

    label: str
    x: np.ndarray
    y: np.ndarray


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of each run of True values."""
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def line_plot(series: Sequence[Series], *, title: str, xlabel: str, ylabel: str,
              log_y: bool = False, width: int = 800, height: int = 500) -> bytes:
    """A line plot as PNG bytes: one line per series, axes, grid, legend and title."""
    canvas = Canvas(width, height)
    left, right, top, bottom = 78, width - 24, 44, height - 58
    xs_all = [np.asarray(s.x, dtype=float) for s in series]
    ys_all = [np.asarray(s.y, dtype=float) for s in series]
    usable = [np.isfinite(y) & np.isfinite(x) & ((y > 0) if log_y else True)
              for x, y in zip(xs_all, ys_all, strict=True)]
    x_values = np.concatenate([x[m] for x, m in zip(xs_all, usable, strict=True)] or [[]])
    y_values = np.concatenate([y[m] for y, m in zip(ys_all, usable, strict=True)] or [[]])
    x_lo, x_hi = (float(x_values.min()), float(x_values.max())) if x_values.size else (0, 1)
    if x_hi <= x_lo:
        x_lo, x_hi = x_lo - 1.0, x_hi + 1.0
    # A little room at both ends, so points on the first and last x are not on the frame.
    x_pad = 0.02 * (x_hi - x_lo)
    x_lo, x_hi = x_lo - x_pad, x_hi + x_pad
    if log_y:
        y_lo, y_hi = ((float(y_values.min()), float(y_values.max())) if y_values.size
                      else (0.1, 1.0))
        if y_hi <= y_lo:
            y_lo, y_hi = y_lo / 10 ** 0.5, y_hi * 10 ** 0.5
        span = math.log10(y_hi) - math.log10(y_lo)
        y_lo, y_hi = y_lo / 10 ** (0.04 * span), y_hi * 10 ** (0.04 * span)

        def to_unit(v: np.ndarray) -> np.ndarray:
            with np.errstate(all="ignore"):
                return (np.log10(v) - math.log10(y_lo)) / (math.log10(y_hi)
                                                           - math.log10(y_lo))
        y_ticks = log_ticks(y_lo, y_hi)
        y_step = None
    else:
        y_lo, y_hi = (float(y_values.min()), float(y_values.max())) if y_values.size \
            else (0.0, 1.0)
        if y_hi <= y_lo:
            y_lo, y_hi = y_lo - 1.0, y_hi + 1.0
        margin = 0.04 * (y_hi - y_lo)
        y_lo, y_hi = y_lo - margin, y_hi + margin

        def to_unit(v: np.ndarray) -> np.ndarray:
            return (v - y_lo) / (y_hi - y_lo)
        y_ticks = nice_ticks(y_lo, y_hi)
        y_step = y_ticks[1] - y_ticks[0] if len(y_ticks) > 1 else None

    def px(x: np.ndarray) -> np.ndarray:
        return left + (x - x_lo) / (x_hi - x_lo) * (right - left)

    def py(y: np.ndarray) -> np.ndarray:
        return bottom - to_unit(y) * (bottom - top)

    x_ticks = nice_ticks(x_lo, x_hi, target=8)
    if x_hi - x_lo >= 2:
        x_ticks = [t for t in x_ticks if float(t).is_integer()] or x_ticks
    x_step = x_ticks[1] - x_ticks[0] if len(x_ticks) > 1 else None
    # Grid and tick labels; on a log axis over a few decades, lighter lines at 2..9 x 10^k.
    if log_y and math.log10(y_hi / y_lo) <= 6:
        for e in range(math.floor(math.log10(y_lo)), math.ceil(math.log10(y_hi)) + 1):
            for m in range(2, 10):
                value = m * 10.0 ** e
                if y_lo < value < y_hi:
                    y = float(py(np.array(value)))
                    canvas.fill(left, y, right, y, MINOR_GRID)
    for t in y_ticks:
        y = float(py(np.array(t)))
        canvas.fill(left, y, right, y, GRID)
        canvas.fill(left - 5, y, left - 1, y, FRAME)
        canvas.text(left - 8, y, tick_label(t, y_step), anchor="right")
    for t in x_ticks:
        x = float(px(np.array(t)))
        canvas.fill(x, top, x, bottom, GRID)
        canvas.fill(x, bottom + 1, x, bottom + 5, FRAME)
        canvas.text(x, bottom + 9, tick_label(t, x_step), anchor="center", valign="top")
    canvas.fill(left, top, left, bottom, FRAME)
    canvas.fill(left, bottom, right, bottom, FRAME)
    canvas.fill(right, top, right, bottom, FRAME)
    canvas.fill(left, top, right, top, FRAME)
    # Lines, clipped to the plot area by drawing on a sub-canvas.
    area = Canvas(right - left - 1, bottom - top - 1)
    area.pixels = canvas.pixels[top + 1:bottom, left + 1:right]
    for k, (x, y, ok) in enumerate(zip(xs_all, ys_all, usable, strict=True)):
        color = PALETTE[k % len(PALETTE)]
        for start, stop in _runs(ok):
            # A lone point (e.g. the one epoch of a run that then diverged) is a big dot.
            area.polyline(px(x[start:stop]) - left - 1, py(y[start:stop]) - top - 1, color,
                          width=2.5 if stop - start > 1 else 8.0)
    # Legend, top right inside the plot.
    if series:
        label_width = max(len(s.label) for s in series) * GLYPH_WIDTH
        box_w, row_h = label_width + 46, 18
        box_h = row_h * len(series) + 8
        bx, by = right - box_w - 10, top + 10
        canvas.fill(bx, by, bx + box_w, by + box_h, WHITE)
        for edge in ((bx, by, bx + box_w, by), (bx, by + box_h, bx + box_w, by + box_h),
                     (bx, by, bx, by + box_h), (bx + box_w, by, bx + box_w, by + box_h)):
            canvas.fill(*edge, (170, 170, 170))
        for k, s in enumerate(series):
            y = by + 4 + row_h * k + row_h / 2
            canvas.polyline(np.array([bx + 8.0, bx + 32.0]), np.array([y, y]),
                            PALETTE[k % len(PALETTE)], width=2.5)
            canvas.text(bx + 38, y, s.label)
    # Title and axis labels.
    canvas.text((left + right) / 2, top / 2, title, BLACK, bold=True, anchor="center")
    canvas.text((left + right) / 2, height - 14, xlabel, anchor="center")
    canvas.text(16, (top + bottom) / 2, ylabel, anchor="center", vertical=True)
    return canvas.png()


def write_png(path: str | Path, data: bytes) -> None:
    """Write PNG bytes to ``path``."""
    Path(path).write_bytes(data)

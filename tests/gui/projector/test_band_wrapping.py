"""Text from a lesson file or a user wraps anywhere, cannot widen the window and is shown
as plain text: a 100 KB caption without a space once made the window 29,771 px wide (at
3 KB), took 1.8 GB (at 20 KB) and crashed the process (at 100 KB)."""

from __future__ import annotations

import dataclasses
import time

import pytest
from PySide6.QtWidgets import QVBoxLayout, QWidget

from core.lessons import load_lesson
from gui.wrapping import BREAK_RUN, MAX_SHOWN, ZERO_WIDTH_SPACE, ElidedLine, WrappedText, breakable

LONG = "x" * 100_000
HTML = '<b>bold</b> <img src="file:///nonexistent.png"> &amp; <a href="x">link</a>'


def test_break_opportunities_only_inside_long_runs():
    words = "The gradient reaches the product σ·w9, and w9 receives σ × dL/d(product)."
    assert breakable(words) == words
    assert breakable("a\nb") == "a\u2028b"
    runs = breakable("y" * 100).split(ZERO_WIDTH_SPACE)
    assert [len(run) for run in runs] == [BREAK_RUN] * 3 + [10]
    assert len(breakable(LONG)) < MAX_SHOWN * 1.1


def test_a_100_kb_word_keeps_the_width_and_is_fast(qtbot):
    holder = QWidget()
    qtbot.addWidget(holder)
    layout = QVBoxLayout(holder)
    text = WrappedText(max_lines=4)
    line = ElidedLine()
    layout.addWidget(line)
    layout.addWidget(text)
    holder.resize(600, 300)
    holder.show()
    qtbot.waitExposed(holder)
    before = holder.minimumSizeHint()
    started = time.perf_counter()
    text.setText(LONG)
    line.setText(LONG)
    holder.adjustSize()
    holder.resize(600, 300)
    holder.grab()
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0, elapsed
    assert holder.minimumSizeHint().width() == before.width()
    assert holder.width() == 600
    assert text.text() == LONG and line.text() == LONG
    assert text.line_count() > 4
    assert text.visible_line_count() == 4
    assert text.heightForWidth(600) <= 4 * text.line_height() + 1
    # The rest comes page by page, and back.
    assert text.page_down() and text.first_line == text.visible_line_count()
    assert text.page_up() and text.first_line == 0
    assert line.shown_text().endswith("…")


def test_text_is_plain(qtbot):
    text = WrappedText()
    qtbot.addWidget(text)
    text.setText(HTML)
    text.resize(400, 100)
    assert text.text() == HTML
    # The layout holds the characters as typed: no tag was interpreted.
    assert text._layout(300).text() == HTML


@pytest.mark.parametrize("present", [False, True])
def test_a_lesson_with_100_kb_words_leaves_the_window_as_it_was(window, qtbot, present):
    window.resize(1024, 700)
    qtbot.wait(10)
    if present:
        window.presentation.enter(full_screen=False)
        qtbot.wait(10)
    before = (window.minimumSizeHint().width(), window.minimumWidth(), window.width())
    lesson = load_lesson("seed")
    stops = tuple(dataclasses.replace(stop, caption=LONG) for stop in lesson.stops)
    lesson = dataclasses.replace(lesson, title=LONG, stops=stops)
    started = time.perf_counter()
    window.lessons.open(lesson, 5)  # a stepper stop: the stepper's caption bar shows too
    window.caption_bar.where.setText(LONG)
    window.caption_bar.caption.setText(LONG + " " + HTML)
    qtbot.wait(10)
    window.grab()
    assert time.perf_counter() - started < 5.0
    after = (window.minimumSizeHint().width(), window.minimumWidth(), window.width())
    assert after == before
    assert window.height() == 700
    assert window.lessons.bar.caption.text() == LONG
    assert window.caption_bar.caption.text().endswith(HTML)
    window.lessons.close()
    if present:
        window.presentation.leave()

"""File > Export animation…: the dialog, the export from a fork of the run with a progress
bar and Cancel, and the run left exactly where it was."""

from __future__ import annotations

import itertools
import os
import sys
import time

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QPushButton, QWidget

from gui.files.animation import AnimationSpec
from gui.files.animation_frame import FrameRenderer, caption_height, graph_size
from gui.files.export_menu import ExportMenu
from gui.files.graph_picture import save_graph_picture
from gui.graph.view import GraphView

SMALL = (640, 400)

try:
    import imageio_ffmpeg
except ImportError:  # the optional [video] extra
    imageio_ffmpeg = None
needs_ffmpeg = pytest.mark.skipif(imageio_ffmpeg is None,
                                  reason="MP4 needs imageio-ffmpeg (pip install -e '.[video]')")


@pytest.fixture
def menu(qtbot, session):
    """The Export menu on its own (no whole window): reports collected in ``menu.said``."""
    parent = QWidget()
    qtbot.addWidget(parent)
    said = []
    view = GraphView()
    qtbot.addWidget(view)
    menu = ExportMenu(session.training, view, {}, lambda title, text: said.append((title, text)),
                      parent)
    menu.said = said
    return menu


def run_state(training):
    """Everything that says where the user's run is."""
    trainer = training.trainer
    snapshot = training.snapshot()
    viewing = training.viewing
    return (id(trainer), trainer.cursor, trainer.weights.tolist(), trainer.history.n_steps,
            trainer.history.sample_loss().tolist(),
            {k: np.asarray(v).tolist() for k, v in trainer.optimizer.state().items()},
            None if viewing is None else viewing.checkpoint.step, training.forked_at,
            snapshot.step, snapshot.sample)


def gif_frames(path):
    with Image.open(path) as image:
        frames = []
        for k in range(image.n_frames):
            image.seek(k)
            frames.append(np.asarray(image.convert("RGB")).astype(int))
        return frames


def click_cancel(qtbot, dialog):
    """Click the progress dialog's Cancel button."""
    (button,) = [b for b in dialog.findChildren(QPushButton) if b.text() == "Cancel"]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def wait_done(qtbot, menu, timeout=60_000):
    qtbot.waitUntil(lambda: not menu.animation_runner.running, timeout=timeout)


def test_the_file_menu_has_export_animation(window):
    file_menu = window.menuBar().actions()[0].menu()
    action = window.export_menu.animation_action
    assert action in file_menu.actions()
    assert action.text().replace("&", "").startswith("Export animation")


def test_the_dialog_offers_the_shown_step_and_checked_settings(menu, session):
    session.training.run_steps(300)
    dialog = menu.choose_animation()
    assert dialog.first_step() == 300  # the step the graph shows
    assert dialog.start_field.maximum() == 300
    spec = dialog.spec()
    assert spec == AnimationSpec(frames=40, every=spec.every, fps=4.0, size=(1280, 720),
                                 include="graph")
    assert spec.every >= 1
    dialog.path_field.setText("slides/run")
    assert dialog.path().endswith("run.gif")  # no suffix: a GIF
    dialog.path_field.setText("run.MP4")
    assert dialog.path().endswith("run.MP4")
    dialog.frames_field.setValue(5)
    dialog.every_field.setValue(100)
    assert "300, 400, …, 700" in dialog.plan.text()
    dialog.every_field.setValue(10_000)
    assert "Training ends at step 10120" in dialog.plan.text()
    dialog.include_field.setCurrentIndex(1)
    assert dialog.spec().include == "loss"
    dialog.path_field.setText("")
    save = dialog.buttons.buttons()[0]
    assert not save.isEnabled()
    dialog.reject()


def test_the_dialog_starts_at_a_viewed_past_step(menu, session):
    session.training.run_steps(120)
    session.training.view_step(30)
    dialog = menu.choose_animation()
    assert dialog.first_step() == 30
    dialog.reject()


def test_frames_are_the_graph_at_their_steps_and_the_run_is_unchanged(qtbot, menu, session,
                                                                      tmp_path):
    training = session.training
    training.run_steps(200)
    before = run_state(training)
    path = tmp_path / "run.gif"
    spec = AnimationSpec(frames=4, every=50, size=SMALL)
    assert menu.export_animation(str(path), spec, 50)
    assert menu.animation_runner.running
    wait_done(qtbot, menu)
    assert run_state(training) == before
    frames = gif_frames(path)
    assert len(frames) == 4 and all(f.shape == (SMALL[1], SMALL[0], 3) for f in frames)
    top = caption_height(SMALL)
    width, height = graph_size(SMALL)
    stills = []
    for k in range(4):  # the graph at step 50 + 50k, as a still picture of the run's past
        still = tmp_path / f"still{k}.png"
        past = training.rebuild(50 + 50 * k)
        save_graph_picture(training.graph, past.trace, still, (width, height))
        stills.append(np.asarray(Image.open(still).convert("RGB")).astype(int))
    for k, frame in enumerate(frames):
        distances = [float(np.abs(frame[top:] - still).mean()) for still in stills]
        assert distances[k] < 2.0, distances  # the GIF's palette: about 1 level in 255
        assert all(distances[k] * 2 < d for i, d in enumerate(distances) if i != k)
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".gif"] == ["run.gif"]
    assert any("4 frames (steps 50..200)" in text for _, text in menu.said)


def test_the_renderer_draws_the_still_picture(qtbot, session, tmp_path):
    """Before the GIF's palette: the frame's graph is the still export (a few anti-aliased
    edge pixels may be a shade or two apart: sub-pixel placement), and not the picture of
    another step."""
    trainer = session.training.trainer.fork(0)
    trainer.run(25)
    renderer = FrameRenderer(trainer.graph, SMALL)
    try:
        frame = renderer.render(trainer)[caption_height(SMALL):].astype(int)
        trainer.run(25)
        later = renderer.render(trainer)[caption_height(SMALL):].astype(int)
    finally:
        renderer.close()
    still = tmp_path / "still.png"
    past = trainer.fork(25)
    save_graph_picture(past.graph, past.trace(), still, graph_size(SMALL))
    expected = np.asarray(Image.open(still).convert("RGB")).astype(int)
    difference = np.abs(frame - expected)
    assert difference.max() <= 8
    assert (difference.max(axis=2) > 0).sum() < frame.shape[0] * frame.shape[1] * 0.001
    assert (np.abs(later - expected).max(axis=2) > 0).sum() > 1000


def test_the_window_answers_while_frames_are_drawn(qtbot, menu, session, tmp_path):
    ticks = []
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: ticks.append((menu.animation_runner.running,
                                                time.perf_counter())))
    timer.start()
    progress_values = []
    assert menu.export_animation(str(tmp_path / "run.gif"),
                                 AnimationSpec(frames=8, every=20, size=SMALL), 0)
    dialog = menu.animation_runner.progress
    assert isinstance(dialog, QProgressDialog) and dialog.isVisible()

    def watch():
        if menu.animation_runner.progress is not None:
            progress_values.append(menu.animation_runner.progress.value())

    watcher = QTimer()
    watcher.setInterval(5)
    watcher.timeout.connect(watch)
    watcher.start()
    wait_done(qtbot, menu)
    timer.stop()
    watcher.stop()
    # Other timers ran between the pieces of work (a frame each), many times, not once at
    # the end; the longest wait is about one frame's drawing (generous: a shared machine).
    during = [at for running, at in ticks if running]
    assert len(during) >= 8
    assert max(b - a for a, b in itertools.pairwise(during)) < 1.0
    assert len(set(progress_values)) >= 3
    assert progress_values == sorted(progress_values)
    assert menu.animation_runner.progress is None  # closed at the end


def test_cancel_leaves_no_file_and_the_run_where_it_was(qtbot, menu, session, tmp_path):
    training = session.training
    training.run_steps(60)
    before = run_state(training)
    path = tmp_path / "run.gif"
    path.write_bytes(b"older animation")
    assert menu.export_animation(str(path), AnimationSpec(frames=200, every=5, size=SMALL), 10)
    runner = menu.animation_runner
    qtbot.waitUntil(lambda: runner.job is not None and len(runner.job.frame_steps) >= 2,
                    timeout=60_000)
    job = runner.job
    assert job.trainer is not training.trainer and job.trainer.cursor.step > 10
    click_cancel(qtbot, runner.progress)
    assert not runner.running and runner.progress is None
    assert path.read_bytes() == b"older animation"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.gif"]  # no temporary file
    assert run_state(training) == before
    assert "cancelled" in menu.said[-1][1] and menu.said[-1][0] == ""


def test_cancel_of_a_new_file_leaves_nothing(qtbot, menu, session, tmp_path):
    path = tmp_path / "new.gif"
    assert menu.export_animation(str(path), AnimationSpec(frames=100, size=SMALL), 0)
    runner = menu.animation_runner
    qtbot.waitUntil(lambda: runner.job is not None and len(runner.job.frame_steps) >= 1,
                    timeout=60_000)
    runner.progress.cancel()  # QProgressDialog.cancel(): seen at the next piece of work
    qtbot.waitUntil(lambda: not runner.running, timeout=10_000)
    assert list(tmp_path.iterdir()) == []
    assert "cancelled" in menu.said[-1][1]


@pytest.mark.parametrize(("name", "words"), [
    ("run.webm", "an animation is .gif or .mp4, not .webm"),
    ("missing/run.gif", "does not exist"),
    ("folder.gif", "is a directory"),
])
def test_a_bad_target_is_reported_and_nothing_starts(menu, session, tmp_path, name, words):
    (tmp_path / "folder.gif").mkdir()
    session.training.run_steps(7)
    before = run_state(session.training)
    assert not menu.export_animation(str(tmp_path / name), AnimationSpec(frames=3), 0)
    title, text = menu.said[-1]
    assert title == "Cannot export" and words in text
    assert len(text.splitlines()) == 1
    assert not menu.animation_runner.running and menu.animation_runner.progress is None
    assert run_state(session.training) == before


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_target_is_refused_without_blocking(menu, tmp_path):
    fifo = tmp_path / "run.gif"
    os.mkfifo(fifo)
    assert not menu.export_animation(str(fifo), AnimationSpec(frames=2), 0)
    assert "FIFO" in menu.said[-1][1]


def test_mp4_without_the_encoder_says_what_to_install(menu, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)
    assert not menu.export_animation(str(tmp_path / "run.mp4"), AnimationSpec(frames=2), 0)
    title, text = menu.said[-1]
    assert title == "Cannot export"
    assert text == ('MP4 needs the imageio-ffmpeg package: pip install -e ".[video]" '
                    "(or: pip install imageio-ffmpeg)")
    assert list(tmp_path.iterdir()) == []


def test_the_window_shows_a_problem_in_a_message_box(window, session, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)
    assert not window.export_menu.export_animation(str(tmp_path / "run.mp4"),
                                                   AnimationSpec(frames=2), 0)
    box = window.findChild(QMessageBox, "problem_box")
    assert box is not None and "imageio-ffmpeg" in box.text()


def test_a_step_before_the_runs_first_checkpoint_is_reported(menu, session):
    session.training.run_steps(10)
    assert not menu.export_animation("unused.gif", AnimationSpec(frames=2), 11)
    assert "cannot start the animation at step 11" in menu.said[-1][1]


@needs_ffmpeg
def test_an_mp4_from_the_window(qtbot, menu, session, tmp_path):
    path = tmp_path / "run.mp4"
    assert menu.export_animation(str(path), AnimationSpec(frames=3, every=10, size=SMALL,
                                                          include="loss"), 0)
    wait_done(qtbot, menu)
    frames, _ = imageio_ffmpeg.count_frames_and_secs(str(path))
    assert frames == 3


def test_the_loss_landscape_beside_the_graph(qtbot, menu, session, tmp_path):
    training = session.training
    training.run_steps(30)
    before = run_state(training)
    path = tmp_path / "run.gif"
    spec = AnimationSpec(frames=3, every=100, size=SMALL, include="landscape")
    assert menu.export_animation(str(path), spec, 30)
    wait_done(qtbot, menu)
    frames = gif_frames(path)
    assert len(frames) == 3 and all(f.shape == (SMALL[1], SMALL[0], 3) for f in frames)
    left = graph_size(SMALL, "landscape")[0]
    panels = [frame[caption_height(SMALL):, left:] for frame in frames]
    assert np.abs(panels[2] - panels[0]).max(axis=2).astype(bool).sum() > 1000
    assert run_state(training) == before


def test_the_dialog_offers_the_landscape(menu):
    dialog = menu.choose_animation()
    texts = [dialog.include_field.itemText(i) for i in range(dialog.include_field.count())]
    assert texts == ["Graph", "Graph and loss plot", "Graph and loss landscape"]
    dialog.include_field.setCurrentIndex(2)
    assert dialog.spec().include == "landscape"
    dialog.reject()


def test_export_animation_from_the_window_menu(qtbot, window, session, tmp_path):
    session.training.run_steps(20)
    before = run_state(session.training)
    window.export_menu.animation_action.trigger()
    dialog = window.findChild(QWidget, "animation_dialog")
    assert dialog is not None and dialog.isVisible()
    assert dialog.first_step() == 20
    dialog.path_field.setText(str(tmp_path / "slides"))
    dialog.frames_field.setValue(3)
    dialog.every_field.setValue(10)
    dialog.width_field.setValue(SMALL[0])
    dialog.height_field.setValue(SMALL[1])
    dialog.accept()
    wait_done(qtbot, window.export_menu)
    assert len(gif_frames(tmp_path / "slides.gif")) == 3
    assert "Exported the animation: 3 frames (steps 20..40)" in \
        window.statusBar().currentMessage()
    assert run_state(session.training) == before


def test_quitting_mid_export_leaves_no_file(qtbot, menu, session, tmp_path):
    from PySide6.QtWidgets import QApplication

    assert menu.export_animation(str(tmp_path / "run.gif"),
                                 AnimationSpec(frames=100, size=SMALL), 0)
    runner = menu.animation_runner
    qtbot.waitUntil(lambda: runner.job is not None and len(runner.job.frame_steps) >= 1,
                    timeout=60_000)
    QApplication.instance().aboutToQuit.emit()  # what quitting the application sends
    assert not runner.running
    assert list(tmp_path.iterdir()) == []


def test_the_landscape_shows_the_pair_chosen_in_the_dock(qtbot, window, session, tmp_path):
    assert window.landscape.view.set_pair("w3", "w5")
    spec = AnimationSpec(frames=2, size=SMALL, include="landscape")
    assert window.export_menu.export_animation(str(tmp_path / "run.gif"), spec, 0)
    assert window.export_menu.animation_runner.job.pair == ("w3", "w5")
    wait_done(qtbot, window.export_menu)
    assert len(gif_frames(tmp_path / "run.gif")) == 2

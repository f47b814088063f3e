"""python main.py export OUT.gif|OUT.mp4 --frames N [--every K] [--steps S]: the graph over
N frames K steps apart, every frame the same size, each what a still export shows at its
step."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cli.app import run
from gui.files.animation_frame import caption_height, graph_size
from tests.cli.helpers import run_fails, run_json

ROOT = Path(__file__).resolve().parent.parent.parent
SMALL = (640, 400)  # small frames keep the tests quick

try:
    import imageio_ffmpeg
except ImportError:  # the optional [video] extra
    imageio_ffmpeg = None
needs_ffmpeg = pytest.mark.skipif(imageio_ffmpeg is None,
                                  reason="MP4 needs imageio-ffmpeg (pip install -e '.[video]')")
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")


def gif_frames(path):
    """Every frame of the GIF as an RGB array, and each frame's duration in ms."""
    with Image.open(path) as image:
        frames, durations = [], []
        for k in range(image.n_frames):
            image.seek(k)
            frames.append(np.asarray(image.convert("RGB")).astype(int))
            durations.append(image.info.get("duration"))
        return frames, durations, image.info.get("loop")


def decode(path, size):
    """The video's frames as RGB arrays, decoded by ffmpeg; fails unless the byte count
    is a whole number of frames of ``size``."""
    result = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path),
                             "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                            capture_output=True, check=True, timeout=60)
    width, height = size
    frame = width * height * 3
    assert len(result.stdout) % frame == 0, (len(result.stdout), size)
    data = np.frombuffer(result.stdout, np.uint8).astype(int)
    return list(data.reshape(-1, height, width, 3))


def _size_option(size):
    return f"{size[0]}x{size[1]}"


def test_a_gif_has_the_frames_asked_for_all_one_size(tmp_path, capsys):
    path = tmp_path / "run.gif"
    out = run_json(capsys, ["export", str(path), "--frames", "4", "--every", "25", "--steps",
                            "10", "--size", _size_option(SMALL), "--json"])
    assert out["frames"] == 4 and out["frames_asked"] == 4
    assert out["frame_steps"] == [10, 35, 60, 85]
    assert out["steps"] == 85 and out["ended"] is None
    assert out["size"] == list(SMALL) and out["format"] == "gif"
    frames, durations, loop = gif_frames(path)
    assert len(frames) == 4
    assert all(frame.shape == (SMALL[1], SMALL[0], 3) for frame in frames)
    assert durations == [250] * 4  # --fps 4 by default
    assert loop == 0  # loops for ever, as a slide wants
    assert [p.name for p in tmp_path.iterdir()] == ["run.gif"]  # no temporary file left


def test_the_default_size_is_16_to_9_and_fps_sets_the_duration(tmp_path, capsys):
    path = tmp_path / "run.gif"
    out = run_json(capsys, ["export", str(path), "--frames", "2", "--fps", "10", "--json"])
    assert out["size"] == [1280, 720] and out["fps"] == 10
    frames, durations, _ = gif_frames(path)
    assert frames[0].shape == (720, 1280, 3)
    assert durations == [100, 100]


def test_each_frame_is_the_still_export_at_its_step(tmp_path, capsys):
    """Frame k below the caption line equals `export OUT.png --steps S + k*K` at the graph's
    size (up to the GIF's palette: about one level in 255 on average), and differs from the
    stills of the other steps at least twice as much."""
    start, every, n = 7, 40, 3
    path = tmp_path / "run.gif"
    run_json(capsys, ["export", str(path), "--frames", str(n), "--every", str(every),
                      "--steps", str(start), "--size", _size_option(SMALL), "--json"])
    frames, _, _ = gif_frames(path)
    top = caption_height(SMALL)
    stills = []
    for k in range(n):
        still = tmp_path / f"still{k}.png"
        run_json(capsys, ["export", str(still), "--steps", str(start + k * every), "--size",
                          _size_option(graph_size(SMALL)), "--json"])
        stills.append(np.asarray(Image.open(still).convert("RGB")).astype(int))
    for k, frame in enumerate(frames):
        graph = frame[top:]
        assert graph.shape == stills[k].shape
        distances = [float(np.abs(graph - still).mean()) for still in stills]
        assert distances[k] < 2.0, distances  # the palette's rounding only (~1 level)
        assert all(distances[k] * 2 < d for i, d in enumerate(distances) if i != k), distances
    # Training moves the numbers: consecutive frames differ.
    for before, after in itertools.pairwise(frames):
        assert np.abs(before - after).max(axis=2).astype(bool).sum() > 500


def test_with_loss_draws_the_loss_plot_below_the_graph(tmp_path, capsys):
    path = tmp_path / "run.gif"
    out = run_json(capsys, ["export", str(path), "--frames", "3", "--every", "150", "--with",
                            "loss", "--size", _size_option(SMALL), "--json"])
    assert out["include"] == "loss"
    frames, _, _ = gif_frames(path)
    assert all(frame.shape == (SMALL[1], SMALL[0], 3) for frame in frames)
    plot_top = caption_height(SMALL) + graph_size(SMALL, "loss")[1]
    # The curve grows: the plot's strip changes between frames, and is not blank.
    strips = [frame[plot_top:] for frame in frames]
    assert all((strip < 200).any(axis=2).sum() > 200 for strip in strips)
    assert np.abs(strips[2] - strips[1]).max(axis=2).astype(bool).sum() > 100


def test_the_animation_ends_where_training_does(tmp_path, capsys):
    path = tmp_path / "run.gif"
    out = run_json(capsys, ["export", str(path), "--epochs", "1", "--frames", "5", "--every",
                            "200", "--size", _size_option(SMALL), "--json"])
    assert out["frame_steps"] == [0, 200, 400, 506]  # 506 rows, one epoch
    assert out["frames"] == 4 and out["ended"] == "finished"
    assert len(gif_frames(path)[0]) == 4


def test_a_divergence_is_the_last_frame(tmp_path, capsys):
    path = tmp_path / "run.gif"
    out = run_json(capsys, ["export", str(path), "--lr", "1000", "--frames", "6",
                            "--size", _size_option(SMALL), "--json"])
    assert out["ended"] == "diverged"
    assert out["frame_steps"] == [0, 1, 1]  # the step that went non-finite, drawn red
    frames, _, _ = gif_frames(path)
    assert len(frames) == 3
    red = (frames[2][..., 0] > 200) & (frames[2][..., 1] < 40) & (frames[2][..., 2] < 40)
    assert red.sum() > red.size * 0.001


def test_a_short_animation_says_so_on_stderr(tmp_path, capsys):
    path = tmp_path / "run.gif"
    assert run(["export", str(path), "--epochs", "1", "--steps", "500", "--frames", "3",
                "--every", "100", "--size", _size_option(SMALL)]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == str(path)
    assert "training finished at step 506: 2 of 3 frames" in captured.err


@needs_ffmpeg
def test_an_mp4_has_the_frames_asked_for(tmp_path, capsys):
    path = tmp_path / "run.mp4"
    out = run_json(capsys, ["export", str(path), "--frames", "5", "--every", "30", "--fps",
                            "5", "--size", _size_option(SMALL), "--json"])
    assert out["format"] == "mp4" and out["frames"] == 5
    frames, seconds = imageio_ffmpeg.count_frames_and_secs(str(path))
    assert frames == 5
    assert seconds == pytest.approx(1.0, abs=0.05)
    decoded = decode(path, SMALL)
    assert len(decoded) == 5
    assert np.abs(decoded[0] - decoded[4]).mean() > 0.5  # training shows
    assert [p.name for p in tmp_path.iterdir()] == ["run.mp4"]


@needs_ffmpeg
def test_an_mp4_of_odd_size_is_padded_to_even_sides(tmp_path, capsys):
    path = tmp_path / "run.mp4"
    run_json(capsys, ["export", str(path), "--frames", "2", "--size", "641x401", "--json"])
    assert len(decode(path, (642, 402))) == 2  # H.264 needs even sides


def test_mp4_without_the_encoder_says_what_to_install(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)  # import fails as if absent
    path = tmp_path / "run.mp4"
    path.write_bytes(b"older video")
    run_fails(capsys, ["export", str(path), "--frames", "2"], 'pip install -e ".[video]"')
    assert path.read_bytes() == b"older video"
    assert [p.name for p in tmp_path.iterdir()] == ["run.mp4"]


@pytest.mark.parametrize(("argv", "words"), [
    (["--frames", "0"], "--frames: must be 1..1000, not 0"),
    (["--frames", "1001"], "--frames: must be 1..1000, not 1001"),
    (["--frames", "-3"], "must be >= 0"),
    (["--frames", "two"], "is not a whole number"),
    (["--frames", "2", "--every", "0"], "--every: must be a whole number of steps >= 1"),
    (["--frames", "2", "--fps", "0"], "--fps: must be 0.1..50"),
    (["--frames", "2", "--fps", "nan"], "--fps: must be 0.1..50"),
    (["--frames", "2", "--fps", "fast"], "--fps"),
    (["--frames", "2", "--size", "100x100"], "each side must be 200..10000 pixels"),
    (["--frames", "2", "--size", "big"], "is not WIDTHxHEIGHT"),
    (["--frames", "2", "--with", "weights"], "invalid choice"),
    (["--every", "3"], "an animation needs --frames N"),
])
def test_bad_animation_options_are_one_line(tmp_path, capsys, argv, words):
    path = tmp_path / "run.gif"
    run_fails(capsys, ["export", str(path), *argv], words)
    assert not path.exists()


def test_animation_options_are_refused_for_a_still(tmp_path, capsys):
    run_fails(capsys, ["export", str(tmp_path / "g.png"), "--frames", "3"],
              "--frames is for an animation (OUT.gif or OUT.mp4), not .png")
    run_fails(capsys, ["export", str(tmp_path / "h.csv"), "--with", "loss"],
              "--with is for an animation")


def test_an_unknown_suffix_names_the_formats(tmp_path, capsys):
    run_fails(capsys, ["export", str(tmp_path / "run.webm"), "--frames", "3"],
              "export writes .png, .svg, .csv, .gif, .mp4 or .py, not .webm")


def test_a_folder_target_is_refused(tmp_path, capsys):
    folder = tmp_path / "run.gif"
    folder.mkdir()
    run_fails(capsys, ["export", str(folder), "--frames", "2"], "is a directory")


def test_a_missing_folder_is_refused(tmp_path, capsys):
    run_fails(capsys, ["export", str(tmp_path / "no" / "run.gif"), "--frames", "2"],
              "does not exist")


def test_an_unwritable_folder_is_refused_before_training(tmp_path, capsys):
    # /sys takes no new files, even from root (a chmod'ed folder would not stop root).
    if not Path("/sys").is_dir() or _can_create("/sys"):
        pytest.skip("needs a folder this user cannot create files in (/sys on Linux)")
    run_fails(capsys, ["export", "/sys/run.gif", "--frames", "2"],
              "/sys/run.gif: cannot write there")


def _can_create(folder):
    try:
        probe = Path(folder) / ".probe"
        probe.touch()
    except OSError:
        return False
    probe.unlink()
    return True


@needs_fifo
def test_a_fifo_target_is_refused_at_once(tmp_path):
    fifo = tmp_path / "run.gif"
    os.mkfifo(fifo)
    started = time.monotonic()
    # A process of its own: a hang must fail the test, not freeze the run.
    result = subprocess.run([sys.executable, "main.py", "export", str(fifo), "--frames", "2"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60,
                            check=False)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "FIFO" in lines[0] and "Traceback" not in result.stderr
    assert time.monotonic() - started < 30
    assert [p.name for p in tmp_path.iterdir()] == [fifo.name]


def test_an_interrupted_export_leaves_no_file_and_the_old_one_intact(tmp_path, capsys,
                                                                   monkeypatch):
    from gui.files import animation_frame

    path = tmp_path / "run.gif"
    path.write_bytes(b"older animation")
    render = animation_frame.FrameRenderer.render
    drawn = []

    def interrupted(self, trainer, sample=None):
        if len(drawn) == 2:
            raise KeyboardInterrupt
        drawn.append(trainer.cursor.step)
        return render(self, trainer, sample)

    monkeypatch.setattr(animation_frame.FrameRenderer, "render", interrupted)
    assert run(["export", str(path), "--frames", "5", "--size", _size_option(SMALL)]) == 130
    assert drawn == [0, 1]
    assert path.read_bytes() == b"older animation"
    assert [p.name for p in tmp_path.iterdir()] == ["run.gif"]
    capsys.readouterr()


def test_an_animation_of_a_saved_session_starts_at_its_cursor(tmp_path, capsys):
    session = tmp_path / "run.json"
    run_json(capsys, ["train", "--epochs", "2", "--save-session", str(session), "--json"])
    path = tmp_path / "run.gif"
    out = run_json(capsys, ["export", str(path), "--session", str(session), "--epochs", "3",
                            "--frames", "2", "--every", "10", "--size", _size_option(SMALL),
                            "--json"])
    assert out["frame_steps"] == [1012, 1022]


def test_with_landscape_draws_the_loss_over_two_weights_beside_the_graph(tmp_path, capsys):
    from gui.files.animation_frame import landscape_size

    path = tmp_path / "run.gif"
    out = run_json(capsys, ["export", str(path), "--frames", "3", "--every", "200", "--with",
                            "landscape", "--pair", "w6,w9", "--size", _size_option(SMALL),
                            "--json"])
    assert out["include"] == "landscape" and out["frames"] == 3
    frames, _, _ = gif_frames(path)
    assert all(frame.shape == (SMALL[1], SMALL[0], 3) for frame in frames)
    left = SMALL[0] - landscape_size(SMALL)[0]
    top = caption_height(SMALL)
    panels = [frame[top:, left:] for frame in frames]
    # Coloured bands (not a blank panel), redrawn as the other weights and the path move.
    assert all(len(np.unique(panel.reshape(-1, 3), axis=0)) > 20 for panel in panels)
    assert np.abs(panels[2] - panels[0]).max(axis=2).astype(bool).sum() > 1000
    # The graph beside it is the still picture at the graph's size.
    still = tmp_path / "still.png"
    run_json(capsys, ["export", str(still), "--steps", "400", "--size",
                      _size_option(graph_size(SMALL, "landscape")), "--json"])
    expected = np.asarray(Image.open(still).convert("RGB")).astype(int)
    assert float(np.abs(frames[2][top:, :left] - expected).mean()) < 2.0


@pytest.mark.parametrize(("argv", "words"), [
    (["--with", "landscape", "--pair", "w1,w33"], "--pair: 'w33' is not a weight of the graph"),
    (["--with", "landscape", "--pair", "w1,w1"], "--pair: two different weights"),
    (["--with", "landscape", "--pair", "w1"], "--pair: two weights X,Y"),
    (["--pair", "w1,w9"], "--pair names the loss landscape's weights: add --with landscape"),
])
def test_a_bad_landscape_pair_is_one_line(tmp_path, capsys, argv, words):
    path = tmp_path / "run.gif"
    run_fails(capsys, ["export", str(path), "--frames", "2", *argv], words)
    assert not path.exists()


def test_a_full_disk_while_encoding_is_one_line_and_leaves_no_file(tmp_path, capsys,
                                                                   monkeypatch):
    """The frames are encoded in a thread of their own: its failure still reaches the
    command, which exits 2 naming it, and the old file stays."""
    from gui.files import animation_writers

    add = animation_writers.GifWriter.add
    written = []

    def full_disk(self, frame):
        if written:
            raise OSError(28, "No space left on device")
        written.append(frame.shape)
        add(self, frame)

    monkeypatch.setattr(animation_writers.GifWriter, "add", full_disk)
    path = tmp_path / "run.gif"
    path.write_bytes(b"older animation")
    run_fails(capsys, ["export", str(path), "--frames", "4", "--size", _size_option(SMALL)],
              f"{path}: No space left on device")
    assert path.read_bytes() == b"older animation"
    assert [p.name for p in tmp_path.iterdir()] == ["run.gif"]

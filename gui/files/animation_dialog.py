"""File > Export animation…: what to animate, asked in one dialog.

The file (``.gif`` or ``.mp4``: the type goes by the name's suffix, ``.gif`` added to a
name without one), the step the first frame shows (by default the one the graph shows),
how many frames and how many training steps apart, frames per second, the frame size, and
whether the loss plot is drawn below the graph (or the loss landscape beside it, of the two
weights the loss changes fastest along at the first frame).  A line under the fields says
which steps the frames will show and how long the animation runs.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from core.inputs import MAX_SIDE, MIN_SIDE
from gui.files.animation import (
    ANIMATION_SUFFIXES,
    DEFAULT_FPS,
    DEFAULT_SIZE,
    MAX_FPS,
    MAX_FRAMES,
    MIN_FPS,
    AnimationSpec,
)
from gui.number_spin_box import NumberSpinBox

#: What the "Show" choice offers: (text, AnimationSpec.include).
INCLUDE_CHOICES = (("Graph", "graph"), ("Graph and loss plot", "loss"),
                   ("Graph and loss landscape", "landscape"))
#: Frames offered at first.
DEFAULT_FRAMES = 40
#: Largest step count a field takes (Qt's spin boxes hold 32-bit numbers).
MAX_STEP_FIELD = 2**31 - 1


class AnimationDialog(QDialog):
    """The animation's settings.

    Parameters
    ----------
    start
        The file name offered.
    first_step, last_step
        The step the first frame shows by default, and the last step the run has reached
        (the first frame may show any step from 0 to it).
    remaining
        Training steps left after ``last_step`` (to offer a spacing that fits).
    """

    def __init__(self, start: str, first_step: int, last_step: int, remaining: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("animation_dialog")
        self.setWindowTitle("Export animation")
        form = QFormLayout(self)
        self.path_field = QLineEdit(start)
        self.path_field.setObjectName("animation_path")
        self.path_field.setMinimumWidth(320)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path_field, 1)
        row.addWidget(browse)
        form.addRow("File (.gif or .mp4)", row)
        self.start_field = self._count_field("animation_start", 0, max(last_step, 0),
                                             first_step)
        self.start_field.setToolTip("The step the first frame shows: 0 is the start of the "
                                    "run, the largest is where it is now")
        form.addRow("First frame at step", self.start_field)
        self.frames_field = self._count_field("animation_frames", 1, MAX_FRAMES,
                                              DEFAULT_FRAMES)
        form.addRow("Frames", self.frames_field)
        ahead = last_step - first_step + remaining
        every = max(1, ahead // DEFAULT_FRAMES) if ahead > 0 else 1
        self.every_field = self._count_field("animation_every", 1, MAX_STEP_FIELD,
                                             min(every, 500))
        self.every_field.setSuffix(" steps")
        form.addRow("Every", self.every_field)
        self.fps_field = NumberSpinBox()
        self.fps_field.setObjectName("animation_fps")
        self.fps_field.setRange(MIN_FPS, MAX_FPS)
        self.fps_field.setDecimals(1)
        self.fps_field.setSingleStep(1.0)
        self.fps_field.setValue(DEFAULT_FPS)
        self.fps_field.setSuffix(" frames/s")
        form.addRow("Speed", self.fps_field)
        self.width_field = self._count_field("animation_width", MIN_SIDE, MAX_SIDE,
                                             DEFAULT_SIZE[0])
        self.height_field = self._count_field("animation_height", MIN_SIDE, MAX_SIDE,
                                              DEFAULT_SIZE[1])
        for field in (self.width_field, self.height_field):
            field.setSuffix(" px")
        size_row = QHBoxLayout()
        size_row.addWidget(self.width_field)
        size_row.addWidget(QLabel("×"))
        size_row.addWidget(self.height_field)
        size_row.addStretch(1)
        form.addRow("Frame size", size_row)
        self.include_field = QComboBox()
        self.include_field.setObjectName("animation_include")
        for text, key in INCLUDE_CHOICES:
            self.include_field.addItem(text, key)
        form.addRow("Show", self.include_field)
        self.plan = QLabel()
        self.plan.setObjectName("animation_plan")
        self.plan.setWordWrap(True)
        form.addRow(self.plan)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self._last_step, self._remaining = last_step, remaining
        self.path_field.textChanged.connect(self._update)
        for field in (self.start_field, self.frames_field, self.every_field):
            field.valueChanged.connect(self._update)
        self.fps_field.valueChanged.connect(self._update)
        self._update()

    @staticmethod
    def _count_field(name: str, low: int, high: int, value: int) -> QSpinBox:
        field = QSpinBox()
        field.setObjectName(name)
        field.setRange(low, high)
        field.setValue(min(max(value, low), high))
        return field

    def _update(self) -> None:
        """Say which steps the frames show; Save only with a file name."""
        button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        if button is not None:
            button.setEnabled(bool(self.path_field.text().strip()))
        first = self.start_field.value()
        frames, every = self.frames_field.value(), self.every_field.value()
        last = first + (frames - 1) * every
        end = self._last_step + self._remaining
        seconds = frames / self.fps_field.value()
        if frames == 1:
            steps = f"One frame, at step {first}"
        elif frames == 2:
            steps = f"Frames at steps {first} and {last}"
        else:
            steps = f"Frames at steps {first}, {first + every}, …, {last}"
        text = f"{steps}: {seconds:.1f} s at this speed."
        if last > end:
            text += f" Training ends at step {end}: the animation ends there."
        self.plan.setText(text)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, self.windowTitle(), self.path(),
            "GIF animation (*.gif);;MP4 video (*.mp4)")
        if path:
            self.path_field.setText(path)

    def path(self) -> str:
        """The file name; ``.gif`` added to a name typed without a suffix."""
        path = self.path_field.text().strip()
        if not path:
            return ""
        if Path(path).suffix.lower() not in ANIMATION_SUFFIXES and not Path(path).suffix:
            path += ".gif"
        return str(Path(path).expanduser())

    def first_step(self) -> int:
        """The step the first frame shows."""
        return self.start_field.value()

    def spec(self) -> AnimationSpec:
        """Frames, spacing, speed, size and what is shown, as asked."""
        return AnimationSpec(frames=self.frames_field.value(), every=self.every_field.value(),
                             fps=self.fps_field.value(),
                             size=(self.width_field.value(), self.height_field.value()),
                             include=str(self.include_field.currentData()))

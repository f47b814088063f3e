"""Every keyboard shortcut of the window, defined once.

:data:`KEYMAP` is the one table: the window builds its actions from it
(:func:`make_action`) and Help > Keyboard shortcuts is written from it (:func:`help_html`),
so the two cannot disagree.  Presentation clickers send PageDown, PageUp, B (or period)
and F5; each of those has an entry here.

Adding a shortcut
-----------------
1. Add a :class:`KeyBinding` row to :data:`KEYMAP`: a unique ``name``, the menu text,
   the keys (``QKeySequence`` portable text, the first one is the one menus show), one
   line of help, and the group the help page lists it under.  A key may appear in one row
   only (a test checks).
2. Give the window a slot for it: ``MainWindow`` passes ``{name: callable}`` to
   :func:`build_actions`; a row without a slot is an error, so nothing is listed that
   does not work.
3. Put the action (``window.actions[name]``) in a menu or on a button if it wants one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from html import escape

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence

from core.training.optimizers import BUILT_IN, OPTIMIZERS


@dataclass(frozen=True)
class KeyBinding:
    """One command: its action's name, menu text, keys and a line of help."""

    name: str
    text: str
    keys: tuple[str, ...]
    help: str
    group: str
    checkable: bool = False


def _optimizer_rows() -> tuple[KeyBinding, ...]:
    return tuple(
        KeyBinding(f"optimizer_{i}", f"&{i} {cls.title}", (str(i),),
                   f"optimizer {cls.title}", "Training")
        # The built-in ones: files may add more, not keys.
        for i, cls in enumerate((OPTIMIZERS[name] for name in BUILT_IN), start=1))


#: The table.  Groups are listed on the help page in the order they first appear.
KEYMAP: tuple[KeyBinding, ...] = (
    KeyBinding("step_forward", "Step &sample", ("Right", "PgDown"),
               "train one sample (in a lesson: the next stop; stepping: the next step)",
               "Training"),
    KeyBinding("step_back", "Step &back", ("Left", "PgUp"),
               "back (in a lesson: the previous stop; stepping: the previous step)",
               "Training"),
    KeyBinding("step_epoch", "Step &epoch", ("Shift+Right",),
               "train to the end of the epoch (stepping: finish the current phase)",
               "Training"),
    KeyBinding("play", "&Play", ("Space",), "play / pause", "Training", checkable=True),
    KeyBinding("reset", "&Reset", ("R",), "back to the initial weights", "Training"),
    *_optimizer_rows(),
    KeyBinding("debug_step", "S&tepping mode", ("D",),
               "stepping mode: one training step node by node, the chain rule on each edge",
               "Debugging", checkable=True),
    KeyBinding("step_start", "&Start of the pass", ("Home",),
               "stepping: the start of the pass (again: of the previous one)", "Debugging"),
    KeyBinding("step_end", "E&nd of the pass", ("End",),
               "stepping: the end of the pass (again: of the next one)", "Debugging"),
    KeyBinding("fit", "&Fit graph", ("F",), "fit the whole graph in the view", "View"),
    KeyBinding("follow", "F&ollow the stepper", ("C",),
               "the view zooms to what the stepper, a lesson or the spotlight shows, numbers "
               "at least 20 px tall (always on in presentation mode)", "View", checkable=True),
    KeyBinding("zoom_in", "Zoom &in", ("+", "="), "zoom the graph in", "View"),
    KeyBinding("zoom_out", "Zoom &out", ("-",), "zoom the graph out", "View"),
    KeyBinding("log_scale", "&Log scale", ("L",), "loss plot on a log scale", "View",
               checkable=True),
    KeyBinding("spotlight", "S&potlight", ("S",),
               "while stepping or in a lesson: the active node and its edges bright, the "
               "rest dimmed", "View", checkable=True),
    KeyBinding("input_gradients", "&Gradients of inputs", ("I",),
               "show dL/dx of the features and the target (hidden in presentation mode)",
               "View", checkable=True),
    KeyBinding("blank", "&Blank the graph", ("B", "."),
               "hide the graph while you talk (again to show it)", "View", checkable=True),
    KeyBinding("legends", "&Legends", (), "the legends in the graph's corners", "View",
               checkable=True),
    KeyBinding("graph_only", "&Graph only", ("Ctrl+G",), "hide every panel", "View",
               checkable=True),
    KeyBinding("full_screen", "F&ull screen", ("F11",), "full screen", "View"),
    KeyBinding("reset_settings", "&Reset settings", (),
               "the optimizer, speed, theme and layout back to the defaults; nothing "
               "remembered from the last run", "View"),
    KeyBinding("present", "&Presentation mode", ("F5",),
               "presentation mode: full screen, large text, the presenter's controls",
               "Presentation", checkable=True),
    KeyBinding("leave", "Leave", ("Esc",), "leave presentation mode or full screen",
               "Presentation"),
    KeyBinding("text_bigger", "&Larger text", ("Ctrl++", "Ctrl+="),
               "larger text in presentation mode (zoom in otherwise)", "Presentation"),
    KeyBinding("text_smaller", "&Smaller text", ("Ctrl+-",),
               "smaller text in presentation mode (zoom out otherwise)", "Presentation"),
    KeyBinding("gradient_check", "&Gradient check", ("Ctrl+Shift+G",),
               "the gradient-check panel: analytic against numeric gradients", "Debugging",
               checkable=True),
    KeyBinding("check_backward", "Check my &backward…", (),
               "run your own backward_propagation file against the engine", "Debugging"),
    KeyBinding("clear_marks", "C&lear backward marks", (),
               "remove a backward check's marks from the weights", "Debugging"),
    KeyBinding("open_lesson", "Open &lesson…", ("Ctrl+L",),
               "open a guided lesson (PageDown: next stop, PageUp: back, Esc: close)",
               "Lessons"),
    KeyBinding("open_session", "&Open session…", ("Ctrl+O",),
               "open a saved session: the run continues where it was", "File"),
    KeyBinding("save_session", "&Save session", ("Ctrl+S",),
               "save the run (settings, data file, state and history) as a session",
               "File"),
    KeyBinding("save_session_as", "Save session &as…", ("Ctrl+Shift+S",),
               "save the run as a session in another file", "File"),
    KeyBinding("open_data", "Open &data…", ("Ctrl+Shift+O",),
               "load features and target from a file", "File"),
    KeyBinding("quit", "&Quit", ("Ctrl+Q",), "quit", "File"),
    KeyBinding("shortcuts", "&Keyboard shortcuts", ("F1",), "this list", "Help"),
)

BY_NAME: Mapping[str, KeyBinding] = {row.name: row for row in KEYMAP}


def binding(name: str) -> KeyBinding:
    """The table's row ``name`` (KeyError names the unknown row)."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"no keymap entry {name!r}") from None


def key_text(row: KeyBinding) -> str:
    """The keys as the user reads them: ``Right / PageDown``."""
    names = [QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText)
             for key in row.keys]
    return " / ".join(names)


def make_action(parent: QObject, name: str,
                slot: Callable[..., object] | None = None) -> QAction:
    """A window-wide action for the row ``name``: text, keys, tooltip, check state."""
    row = binding(name)
    action = QAction(row.text, parent)
    action.setObjectName(name)
    action.setShortcuts([QKeySequence(key) for key in row.keys])
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.setCheckable(row.checkable)
    tip = row.help[:1].upper() + row.help[1:]
    if row.keys:
        tip += f" ({key_text(row)})"
    action.setToolTip(tip)
    action.setStatusTip(tip)
    if slot is not None:
        action.triggered.connect(slot)
    return action


def build_actions(parent: QObject, slots: Mapping[str, Callable[..., object]],
                  made: Mapping[str, QAction] | None = None) -> dict[str, QAction]:
    """One action per row of :data:`KEYMAP`; ``made`` holds actions built elsewhere (the
    training buttons') from the same rows.  Every row must have a slot or be in ``made``."""
    actions = dict(made or {})
    missing = [row.name for row in KEYMAP if row.name not in slots and row.name not in actions]
    if missing:
        raise ValueError(f"keymap rows without a slot: {', '.join(missing)}")
    for row in KEYMAP:
        if row.name not in actions:
            actions[row.name] = make_action(parent, row.name, slots[row.name])
    return actions


def help_rows(keymap: Iterable[KeyBinding] = KEYMAP) -> list[tuple[str, str, str]]:
    """(group, keys, what it does) for every row that has keys, each group's rows together
    (groups in the order they first appear)."""
    rows = [row for row in keymap if row.keys]
    first = {row.group: -i for i, row in reversed(list(enumerate(rows)))}
    rows.sort(key=lambda row: -first[row.group])
    return [(row.group, key_text(row), row.help) for row in rows]


def help_html(keymap: Iterable[KeyBinding] = KEYMAP) -> str:
    """The Help > Keyboard shortcuts page."""
    parts: list[str] = []
    group = None
    for row_group, keys, what in help_rows(keymap):
        if row_group != group:
            group = row_group
            parts.append(f"<tr><td colspan=2><br><b>{escape(group)}</b></td></tr>")
        parts.append(f"<tr><td><b>{escape(keys)}</b>&nbsp;&nbsp;</td>"
                     f"<td>{escape(what)}</td></tr>")
    parts.append("<tr><td colspan=2><br>Ctrl+wheel zooms the graph; drag to pan it.</td></tr>")
    return f"<table>{''.join(parts)}</table>"


def help_markdown(keymap: Iterable[KeyBinding] = KEYMAP) -> str:
    """The same page as a Markdown table, as the README shows it (a test keeps the two
    equal)."""
    lines = ["| keys | action |", "| --- | --- |"]
    group = None
    for row_group, keys, what in help_rows(keymap):
        if row_group != group:
            group = row_group
            lines.append(f"| **{group}** | |")
        lines.append(f"| {keys.replace('|', '/')} | {what.replace('|', '/')} |")
    lines.append("| Ctrl + wheel, drag | zoom, pan the graph |")
    return "\n".join(lines)

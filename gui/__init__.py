"""The window: Qt widgets around one bridge (``gui.bridge.TrainingBridge``).

Data flows one way: the bridge owns the trainer and emits signals with immutable
snapshots; widgets call the bridge's setters and redraw from its signals, never talking to
each other.  ``graph_layout`` is pure layout math (no Qt); everything else is Qt.
"""

"""The window: Qt widgets around one bridge (``gui.bridge.TrainingBridge``).

Data flows one way: the bridge owns the trainer and emits signals with immutable
snapshots; widgets call the bridge's setters and redraw from its signals, never talking to
each other.  ``graph_layout`` (layers, rows, columns) and ``view_fit`` (fitting the graph
around the legends) are pure math (no Qt); ``graph_geometry`` measures the drawn items;
everything else is Qt.
"""

"""The window: Qt widgets around one session (:mod:`gui.session`).

Data flows one way: the training session owns the trainer and emits signals with
immutable snapshots (:mod:`gui.snapshot`); the play loop and the comparison runner drive
it; widgets call the pieces' setters and redraw from their signals, never talking to each
other.  Subfolders group the widgets by subject: ``graph`` (the graph view and its items),
``panels`` (the control column and the weights table), ``plots``.
"""

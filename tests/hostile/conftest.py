"""The hostile-input suite: every case that once crashed, hung or ate memory.  Window tests
here share the GUI fixtures."""

from __future__ import annotations

from tests.gui.conftest import dataset, isolated_settings, seed_graph, session, window

__all__ = ["dataset", "isolated_settings", "seed_graph", "session", "window"]

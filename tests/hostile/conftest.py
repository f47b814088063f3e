"""The hostile-input suite: every case that once crashed, hung or ate memory.  Window tests
here share the GUI fixtures."""

from __future__ import annotations

from tests.gui.conftest import bridge, dataset, isolated_settings, seed_graph, window

__all__ = ["bridge", "dataset", "isolated_settings", "seed_graph", "window"]

"""The hostile-input suite: every case that once crashed, hung or ate memory.  Window tests
here share the GUI fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.gui.conftest import dataset, isolated_settings, seed_graph, session, window

__all__ = ["dataset", "isolated_settings", "seed_graph", "session", "window"]


@pytest.fixture(scope="session")
def hostile_data(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every hostile data file, made once: case name -> path."""
    from tests.hostile.data_files import HOSTILE_FILES

    paths = {}
    for index, (case, (make, _)) in enumerate(sorted(HOSTILE_FILES.items())):
        paths[case] = make(tmp_path_factory.mktemp(f"hostile{index}"))
    return paths

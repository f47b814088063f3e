"""Fixtures the panels' tests share."""

from __future__ import annotations

import pytest


@pytest.fixture
def training(session):
    """The window's training session."""
    return session.training


@pytest.fixture
def editor(window):
    """The Model box's formula editor."""
    return window.side_panel.model_box.formula_editor

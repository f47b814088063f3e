"""A small CSV whose header names its columns (``height``, ``mass``, then the target): the
data the column-name checks (typos, --strict-names, the Model box) are tested on."""

from __future__ import annotations

from pathlib import Path

BODY_CSV = "height,mass,target\n1.7,60,0.2\n1.8,80,0.4\n1.6,55,0.1\n1.9,90,0.5\n"


def body_csv(folder: Path) -> Path:
    """``body.csv`` written into ``folder``."""
    path = folder / "body.csv"
    path.write_text(BODY_CSV, encoding="utf-8")
    return path

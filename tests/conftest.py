"""Test-wide setup.  Qt must not look for a screen: set the platform before Qt loads."""

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: The course's data file, beside the project; tests that use it skip when it is absent.
COURSE_DATA = ROOT.parent / "shared" / "data" / "data.pkl"

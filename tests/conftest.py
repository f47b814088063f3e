"""Test-wide setup.  Qt must not look for a screen: set the platform before Qt loads."""

import os
import sys
from collections.abc import Generator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: The course's data file, beside the project; tests that use it skip when it is absent.
COURSE_DATA = ROOT.parent / "shared" / "data" / "data.pkl"

from tests.qt_messages import GUARD, qt_loaded  # noqa: E402


@pytest.fixture(autouse=True)
def no_user_ops_left_registered() -> Generator[None, None, None]:
    """A test's --ops, File > Add ops… or lesson ops are registered for the process: take
    them off afterwards, so no test sees another's ops."""
    from core.autodiff import user_ops

    before = {definition["name"] for definition in user_ops.registered()}
    yield
    user_ops.unregister([definition["name"] for definition in user_ops.registered()
                         if definition["name"] not in before])


# -- Qt's warnings about threads and object lifetimes fail the test that caused them -------

@pytest.hookimpl(trylast=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # After pytest-qt has installed its handler for the test: the guard goes on top of it.
    if qt_loaded():
        GUARD.test = item.nodeid
        GUARD.install()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, None, None]:
    if qt_loaded():
        # pytest-qt has removed its handler after the call: print what teardown brings.
        GUARD.test = item.nodeid
        GUARD.reset_forward()
        GUARD.install()
    result = yield
    found = GUARD.take()
    if found:
        raise AssertionError("Qt warned about a thread or an object's lifetime:\n  "
                             + "\n  ".join(found))
    return result


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # Whatever Qt said after the last test's teardown counts too.
    found = GUARD.take()
    if found:
        sys.stderr.write("Qt warned about a thread or an object's lifetime after the last "
                         "test:\n  " + "\n  ".join(found) + "\n")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED

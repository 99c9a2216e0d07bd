"""What every test file shares: where the real data lives, and how its absence is handled.

The real data (MNIST, real Wekinator projects) is never committed: it is read from
../shared/data beside the project folder (or $OSCNET_SHARED_DATA). In a plain clone those
tests skip, all with the one reason below; under CI (the CI variable set) a missing file is a
failure, because CI must always run them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))  # the tests' own helper modules
SHARED_DATA = Path(os.environ.get("OSCNET_SHARED_DATA") or REPO.parent / "shared" / "data")
SKIP_REASON = ("needs the real data (MNIST, real Wekinator projects) in ../shared/data beside the "
               "project folder, which a plain clone does not have; CI always runs these tests")


def shared_data(*parts: str) -> Path:
    """A path under the shared data folder; skips the test (fails it under CI) when it is missing."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing: CI must run every test on the real data; put shared/ "
                        "beside the clone")
        pytest.skip(SKIP_REASON)
    return path


def wekinator_project(name: str) -> Path:
    """One of the real Wekinator projects in ../shared/data/wekinator-projects."""
    return shared_data("wekinator-projects", name)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests on all 70,000 MNIST digits are slow (see `-m "not slow"` in the README)."""
    for item in items:
        if "digits" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)

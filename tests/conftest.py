"""Shared fixtures: one small region built once per test session (as seaborn's tests do)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pecdata.generation import generate

ROOT = Path(__file__).resolve().parents[1]
#: Size and seed of the session's shared region: big enough for stable rates
#: (about 2,600 inpatient episodes a year), small enough to build in ~2 s.
TEST_RESIDENTS = 20_000
TEST_SEED = 7


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: browser, notebook and full-size checks")


@pytest.fixture(scope="session")
def region():
    """A 20,000-resident, three-year region (read-only: shared by all tests)."""
    return generate(residents=TEST_RESIDENTS, years=3, seed=TEST_SEED)


@pytest.fixture(scope="session")
def small_region():
    """A 2,000-resident region for tests that need a quick, complete warehouse."""
    return generate(residents=2_000, years=3, seed=11)


@pytest.fixture(scope="session")
def teaching_dir():
    """The teaching region built by ``make data`` (PECDATA_DIR), if present."""
    path = Path(os.environ.get("PECDATA_DIR", ROOT / "data" / "region"))
    if not (path / "metadata.json").exists():
        pytest.skip(f"no teaching region at {path}; run `make data`")
    return path

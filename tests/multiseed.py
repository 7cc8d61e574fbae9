"""Regions of several seeds for the claims that must hold on any seed (issue 11, item 8).

Each region is generated once per test session and shared by the modules that judge it
(funnel plots in ``test_indicators.py``, the difference in differences in
``test_followup.py``). 50,000 residents is the teaching size: the size at which the
lessons promise that a careful evaluation finds the pilot.
"""

from __future__ import annotations

from functools import cache

import pandas as pd

from pecdata.generation import generate

#: Residents of the multi-seed regions (the teaching size).
RESIDENTS = 50_000
#: Seeds of the planted regions and of their unplanted twins (at least 15 and 10).
PLANTED_SEEDS = tuple(range(1, 16))
UNPLANTED_SEEDS = PLANTED_SEEDS


@cache
def planted(seed: int):
    """A three-year region with every finding planted."""
    return generate(residents=RESIDENTS, years=3, seed=seed)


@cache
def unplanted(seed: int):
    """A three-year region with nothing planted."""
    return generate(residents=RESIDENTS, years=3, seed=seed, planted=False)


def key(wh) -> pd.DataFrame:
    """The answer key (planted_findings) indexed by finding."""
    return wh["planted_findings"].set_index("finding_id")


def pilot(wh):
    """The answer key's pilot: municipality, minimum age, start date and true effect."""
    row = key(wh).loc["home_team_pilot"]
    muni, _, rest = row.location.partition(", residents ")
    age, _, start = rest.partition("+, from ")
    return muni, int(age), pd.Timestamp(start), float(row.true_value), float(row.comparison_value)

"""Small example regions for docstrings, tests and quick experiments.

Generating a region takes about a second at a few thousand residents; these
helpers cache the result so the many examples in the documentation share one.
"""

from __future__ import annotations

from functools import lru_cache

EXAMPLE_RESIDENTS = 3_000
EXAMPLE_SEED = 1


@lru_cache(maxsize=4)
def example_warehouse(residents: int = EXAMPLE_RESIDENTS, seed: int = EXAMPLE_SEED):
    """A small synthetic region (3 years from 2022), generated once per session.

    Treat it as read-only: it is shared between callers.

    Examples
    --------
    >>> wh = example_warehouse()
    >>> wh["resident_years"].year.unique().tolist()
    [2022, 2023, 2024]
    """
    from pecdata.generation import generate

    return generate(residents=residents, years=3, seed=seed)


@lru_cache(maxsize=4)
def example_costed_warehouse(residents: int = EXAMPLE_RESIDENTS, seed: int = EXAMPLE_SEED):
    """:func:`example_warehouse` with the PEC tables added (``encounter_costs`` ...).

    Treat it as read-only: it is shared between callers.

    Examples
    --------
    >>> wh = example_costed_warehouse()
    >>> total = wh["reconciliation"].query("unit_type == 'total'")
    >>> float(total.difference_b_sek.abs().max()) < 0.01
    True
    """
    from pecdata.pec import cost_encounters
    from pecdata.warehouse import Warehouse

    wh = example_warehouse(residents, seed)
    return Warehouse({**wh, **cost_encounters(wh).tables()}, meta=wh.meta)

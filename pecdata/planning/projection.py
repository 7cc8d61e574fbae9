"""Demographic projection: the region's population 5-10 years ahead, by age band.

Care needs follow age: a resident over 85 has about ten times the inpatient days of
one aged 20-44. :func:`project_population` runs a simple cohort-component
projection (befolkningsprognos) from the warehouse itself:

* the population on 31 December of the base year, by single year of age;
* each year everyone ages one year; deaths by five-year age band at the rates
  observed in the data (all years pooled; ``death_rate_factor`` scales them);
* births: births observed per resident aged 20-44 (a stand-in for fertility, as the
  projection does not split by sex), times the projected residents aged 20-44;
* migration: the net number of people moving in (in minus out) by five-year age band
  and year, as observed (``migration_factor`` scales it). Net migration is held as a
  number, not a rate, so that young in-movers do not compound year after year.

The result's ``index`` (population relative to the base year, per age band) is what
:func:`pecdata.planning.scenarios.run_scenario` uses to grow care volumes: same use per
resident of an age band and segment, more residents. Prices stay at the base year's
(a projection in fixed prices). Not modelled: changes in health by age (compression
of morbidity), in care technology or in prices.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pecdata.planning.interventions import AGE_BAND_LABELS, age_band

__all__ = ["demographic_rates", "project_population", "plot_projection"]

MAX_AGE = 105
#: Five-year band of each single age; 100+ is one band.
_FIVE = np.minimum(np.arange(0, MAX_AGE + 1) // 5, 20)


def _check_factor(name: str, value: float) -> None:
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be 0 or more (1 = as observed), got {value!r}")


def demographic_rates(wh) -> pd.DataFrame:
    """Death and net migration rates by five-year age band, and the birth rate, as observed.

    Parameters
    ----------
    wh : Warehouse or mapping of tables

    Returns
    -------
    DataFrame
        One row per five-year band (``age_from``, ``age_to``): ``person_years``,
        ``deaths``, ``death_rate``, ``moved_in``, ``moved_out`` and ``net_migrants``
        (net moves in per year);
        ``attrs["birth_rate"]`` holds births per person-year aged 20-44.

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> r = demographic_rates(example_warehouse())
    >>> int(r.age_from.iloc[-1]), bool(r.death_rate.iloc[17] > r.death_rate.iloc[3])
    (100, True)
    """
    ry, res = wh["resident_years"], wh["residents"]
    nb = len(np.unique(_FIVE))
    band = _FIVE[np.minimum(ry.age.to_numpy(), MAX_AGE)]
    py = np.bincount(band, ry.days_resident.to_numpy() / 365.25, minlength=nb)
    years = set(ry.year.unique().tolist())

    def events(dates, born_here=None):
        ok = dates.notna() & dates.dt.year.isin(years)
        if born_here is not None:
            ok &= ~born_here
        age = ((dates[ok] - res.birth_date[ok]).dt.days / 365.25).astype(int).clip(0, MAX_AGE)
        return np.bincount(_FIVE[age.to_numpy()], minlength=nb).astype(float)

    born = res.in_date.notna() & (res.in_date == res.birth_date)
    deaths = events(res.death_date)
    moved_in, moved_out = events(res.in_date, born), events(res.out_date)
    adults = ry.age.between(20, 44)
    births = float((born & res.in_date.dt.year.isin(years)).sum())
    out = pd.DataFrame(
        {
            "age_from": np.arange(nb) * 5,
            "age_to": np.where(np.arange(nb) < nb - 1, np.arange(nb) * 5 + 4, MAX_AGE),
            "person_years": py,
            "deaths": deaths,
            "moved_in": moved_in,
            "moved_out": moved_out,
        }
    )
    safe = np.where(py > 0, py, 1)
    out["death_rate"] = np.where(py > 0, deaths / safe, 0)
    out["net_migrants"] = (moved_in - moved_out) / len(years)
    out.attrs["birth_rate"] = births / (ry.days_resident[adults].sum() / 365.25)
    return out


def project_population(
    wh,
    years: int = 10,
    base_year: int | None = None,
    death_rate_factor: float = 1.0,
    migration_factor: float = 1.0,
    birth_rate: float | None = None,
) -> pd.DataFrame:
    """Project the population by age band, year by year (cohort-component method).

    Parameters
    ----------
    wh : Warehouse or mapping of tables
    years : int
        Years ahead (1-30; 5-10 is the planning horizon).
    base_year : int, optional
        Start from 31 December of this year (default: the last year in the data).
    death_rate_factor, migration_factor : float
        Scale the observed death rates and net migration (1 = as observed).
    birth_rate : float, optional
        Births per resident aged 20-44 and year (default: as observed).

    Returns
    -------
    DataFrame
        One row per year (the base year first) and age band: ``year``, ``age_band``,
        ``population``, ``index`` (population / base year's).

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> p = project_population(example_warehouse(), years=5)
    >>> p.year.nunique(), p.age_band.nunique()
    (6, 6)
    >>> bool((p[p.year == 2024]["index"] == 1).all())
    True
    """
    if not isinstance(years, (int, np.integer)) or not 1 <= years <= 30:
        raise ValueError(f"years must be a whole number from 1 to 30, got {years!r}")
    _check_factor("death_rate_factor", death_rate_factor)
    _check_factor("migration_factor", migration_factor)
    rates = demographic_rates(wh)
    if birth_rate is None:
        birth_rate = rates.attrs["birth_rate"]
    _check_factor("birth_rate", birth_rate)
    ry, res = wh["resident_years"], wh["residents"]
    known = sorted(ry.year.unique().tolist())
    base_year = known[-1] if base_year is None else base_year
    if base_year not in known:
        raise ValueError(f"base_year {base_year!r} is not in the data (years {known})")
    end = pd.Timestamp(year=base_year, month=12, day=31)
    r = res.set_index("resident_id")
    now = ry[ry.year == base_year]
    gone = (r.death_date.reindex(now.resident_id) <= end) | (
        r.out_date.reindex(now.resident_id) <= end
    )
    ages = np.minimum(now.age.to_numpy()[~gone.to_numpy()], MAX_AGE)
    pop = np.bincount(ages, minlength=MAX_AGE + 1).astype(float)
    q = np.minimum(rates.death_rate.to_numpy()[_FIVE] * death_rate_factor, 1.0)
    width = np.bincount(_FIVE)[_FIVE]
    m = rates.net_migrants.to_numpy()[_FIVE] / width * migration_factor
    band = age_band(np.arange(MAX_AGE + 1))
    rows = [pop]
    for _ in range(years):
        survivors = pop * (1 - q) + m
        nxt = np.zeros_like(pop)
        nxt[1:] = survivors[:-1]
        nxt[-1] += survivors[-1]
        nxt[0] = birth_rate * pop[20:45].sum() * (1 - q[0] / 2)
        pop = np.maximum(nxt, 0)
        rows.append(pop)
    out = []
    for i, p in enumerate(rows):
        by_band = np.bincount(band, p, minlength=len(AGE_BAND_LABELS))
        out += [(base_year + i, lab, by_band[j]) for j, lab in enumerate(AGE_BAND_LABELS)]
    df = pd.DataFrame(out, columns=["year", "age_band", "population"])
    first = df[df.year == base_year].set_index("age_band").population
    df["index"] = df.population / df.age_band.map(first).where(lambda s: s > 0)
    df["index"] = df["index"].fillna(1.0)
    df["age_band"] = pd.Categorical(df.age_band, categories=list(AGE_BAND_LABELS), ordered=True)
    return df


def plot_projection(projection: pd.DataFrame):
    """Population index by age band (base year = 1): who the region will have to care for.

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> fig = plot_projection(project_population(example_warehouse(), years=5))
    >>> len(fig.axes[0].get_legend().get_texts())
    6
    """
    import matplotlib.pyplot as plt

    from pecdata.plots.theme import PALETTE

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for colour, (band, d) in zip(PALETTE, projection.groupby("age_band", observed=True)):
        ax.plot(d.year, d["index"], marker="o", color=colour, label=str(band))
    ax.axhline(1, color="grey", lw=0.8)
    ax.set(
        xlabel="Year",
        ylabel="Population, base year = 1",
        title="Projected population by age band (befolkningsprognos)",
    )
    ax.legend(title="Age band", ncols=2)
    fig.tight_layout()
    return fig

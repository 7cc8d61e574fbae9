"""Step 9, implement and follow up: indicators with targets, control charts, evaluation.

* :func:`admission_counts` and :func:`admission_rates` - acute admissions per resident,
  and per 1,000 residents-years by municipality, by month or quarter.
* :func:`indicator_targets` - a pilot's indicators before and after its start, beside
  their targets.
* Statistical process control (SPC): :func:`xmr_chart` (individuals and moving range,
  for rates), :func:`p_chart` (for shares, e.g. 30-day readmissions), the special-cause
  rules (:func:`special_causes`) and :func:`plot_control_chart`; they live in
  :mod:`pecdata.followup.spc` and are re-exported here.
* :func:`difference_in_differences` - the pilot's effect against comparison
  municipalities, with a confidence interval, a permutation (placebo) check over the
  untreated municipalities and a pre-period trend check; :func:`evaluated_intervention`
  feeds the result back into the scenario model for the next planning cycle. They live in
  :mod:`pecdata.followup.did` and are re-exported here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pecdata.analyses.indicators import readmission_flags
from pecdata.followup.did import (
    difference_in_differences,
    evaluated_intervention,
    plot_difference_in_differences,
)
from pecdata.followup.spc import p_chart, plot_control_chart, special_causes, xmr_chart

__all__ = [
    "admission_counts",
    "admission_rates",
    "readmission_shares",
    "indicator_targets",
    "special_causes",
    "xmr_chart",
    "p_chart",
    "plot_control_chart",
    "difference_in_differences",
    "plot_difference_in_differences",
    "evaluated_intervention",
]

FREQS = {"M": "month", "Q": "quarter"}
#: Indicators of a pilot for older residents, and the default target (relative change).
DEFAULT_TARGETS = {
    "acute_admissions_per_1000": -0.15,
    "ed_visits_per_1000": -0.10,
    "bed_days_per_1000": -0.15,
    "readmission_30d_pct": -0.10,
}


def _check_freq(freq: str) -> None:
    if freq not in FREQS:
        raise ValueError(f"freq must be 'M' (months) or 'Q' (quarters), got {freq!r}")


def _residents(wh, min_age: int) -> pd.DataFrame:
    if not 0 <= min_age <= 120:
        raise ValueError(f"min_age must be between 0 and 120, got {min_age!r}")
    ry = wh["resident_years"]
    return ry.loc[ry.age >= min_age, ["resident_id", "year", "municipality_code", "days_resident"]]


def _periods(years, freq: str) -> pd.DataFrame:
    """Each period of the years with its share of the year (for person-years)."""
    rows = []
    for y in years:
        for p in pd.period_range(f"{y}-01", f"{y}-12", freq=freq):
            days_in_year = 366 if pd.Timestamp(year=y, month=12, day=31).day_of_year == 366 else 365
            rows.append((y, p.start_time, (p.end_time - p.start_time).days + 1, days_in_year))
    df = pd.DataFrame(rows, columns=["year", "period", "days", "days_in_year"])
    df["share"] = df.days / df.days_in_year
    return df


def admission_counts(
    wh,
    min_age: int = 75,
    freq: str = "M",
    acute: bool = True,
    level: str = "inpatient",
    measure: str = "contacts",
) -> pd.DataFrame:
    """Admissions (or other contacts, or bed-days) per resident and period, with person-years.

    Residents count by their age on 31 December and municipality in the year
    (``resident_years``), so someone who moves is in each municipality for the right
    year; person-years are spread evenly over the year's periods. One row per resident
    and period lived in the region, users and non-users alike: the input for a
    difference in differences with standard errors clustered by resident.

    Parameters
    ----------
    wh : Warehouse or mapping of tables
    min_age : int
        Residents of this age or older (75 for the home-care team pilot).
    freq : {'M', 'Q'}
        Months or quarters.
    acute : bool
        Only acute (unplanned) contacts.
    level : str
        Level of care (``"inpatient"``: admissions; ``"emergency"``: ED visits).
    measure : {'contacts', 'bed_days'}
        Count contacts, or sum their length of stay.

    Returns
    -------
    DataFrame
        ``resident_id``, ``municipality_code``, ``period`` (first day), ``admissions``
        (the count or bed-days), ``person_years``.

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> c = admission_counts(example_warehouse())
    >>> c.period.nunique(), bool((c.person_years > 0).all())
    (36, True)
    """
    _check_freq(freq)
    if measure not in ("contacts", "bed_days"):
        raise ValueError(f"measure must be 'contacts' or 'bed_days', got {measure!r}")
    old = _residents(wh, min_age)
    enc = wh["encounters"]
    e = enc[(enc.care_level == level) & (enc.acute if acute else True)]
    e = e[["resident_id", "year", "start_time", "length_of_stay_days"]].merge(
        old[["resident_id", "year"]]
    )
    e["period"] = e.start_time.dt.to_period(freq).dt.start_time
    e["n"] = 1 if measure == "contacts" else e.length_of_stay_days
    n = e.groupby(["resident_id", "period"]).n.sum().rename("admissions")
    grid = old.merge(_periods(sorted(old.year.unique()), freq), on="year")
    grid["person_years"] = grid.days_resident / 365.25 * grid.share
    out = (
        grid[["resident_id", "municipality_code", "period", "person_years"]]
        .join(n, on=["resident_id", "period"])
        .fillna({"admissions": 0})
    )
    return out[["resident_id", "municipality_code", "period", "admissions", "person_years"]]


def admission_rates(
    wh,
    min_age: int = 75,
    freq: str = "Q",
    acute: bool = True,
    level: str = "inpatient",
    measure: str = "contacts",
) -> pd.DataFrame:
    """Admissions per 1,000 residents-years by municipality and period.

    The sum of :func:`admission_counts` by municipality and period (same parameters).

    Returns
    -------
    DataFrame
        ``municipality_code``, ``period`` (first day), ``admissions``, ``person_years``,
        ``rate_per_1000`` (per 1,000 residents-years, i.e. annualised).

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> r = admission_rates(example_warehouse())
    >>> r.period.nunique(), r.municipality_code.nunique()
    (12, 6)
    """
    c = admission_counts(wh, min_age, freq, acute, level, measure)
    out = (
        c.groupby(["municipality_code", "period"], observed=True)[["admissions", "person_years"]]
        .sum()
        .reset_index()
    )
    out["rate_per_1000"] = 1000 * out.admissions / out.person_years
    return out


def readmission_shares(
    wh, min_age: int = 75, freq: str = "M", municipality: str | None = None
) -> pd.DataFrame:
    """Discharges and the share followed by an acute readmission within 30 days, by period.

    Parameters
    ----------
    wh : Warehouse or mapping of tables
    min_age : int
        Patients of this age or older (age on 31 December of the discharge year).
    freq : {'M', 'Q'}
        Months or quarters (of the discharge date).
    municipality : str or list of str, optional
        Only residents of this municipality (or these).

    Returns
    -------
    DataFrame
        ``period``, ``discharges`` (alive, at least 30 days before the data ends),
        ``readmitted`` and ``share``: the input of a :func:`p_chart`. Only complete
        periods: a period that ends less than 30 days before the data ends (its last
        discharges cannot be followed up) is left out rather than charted with a
        handful of discharges.

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> r = readmission_shares(example_warehouse(), freq="Q")
    >>> bool(((r.readmitted <= r.discharges) & (r.discharges > 0)).all())
    True
    """
    _check_freq(freq)
    old = _residents(wh, min_age)
    if municipality is not None:
        wanted = [municipality] if isinstance(municipality, str) else list(municipality)
        old = old[old.municipality_code.isin(wanted)]
        if old.empty:
            raise ValueError(f"no residents aged {min_age}+ in municipality {municipality!r}")
    enc = wh["encounters"]
    ip = enc[enc.care_level == "inpatient"]
    flags = readmission_flags(wh).set_index("encounter_id").readmitted
    flag = ip.encounter_id.map(flags).fillna(False)
    d = ip.assign(readmitted=flag.to_numpy(bool)).merge(old[["resident_id", "year"]])
    d = d[d.discharge_destination != "deceased"]
    end = pd.Timestamp(year=int(enc.year.max()) + 1, month=1, day=1) - pd.Timedelta(days=30)
    d = d[d.end_time < end]
    per = d.end_time.dt.to_period(freq)
    d = d[(per.dt.end_time < end).to_numpy()]  # only periods followed up in full
    d["period"] = d.end_time.dt.to_period(freq).dt.start_time
    out = (
        d.groupby("period")
        .agg(discharges=("readmitted", "size"), readmitted=("readmitted", "sum"))
        .reset_index()
    )
    out["share"] = out.readmitted / out.discharges
    return out


def indicator_targets(
    wh, municipality: str, start, min_age: int = 75, targets: dict | None = None, comparison=None
) -> pd.DataFrame:
    """A pilot's indicators before and after its start, against their targets.

    The region's rates move without any pilot (ageing, trends, the way the oldest
    die), so a target is measured **against the comparison group**: ``expected`` is
    the pilot municipality's rate before the start moved by the comparison
    municipalities' change (``before * comparison_after / comparison_before``), the
    rate to expect without the pilot, and the target is ``expected * (1 + target)``.
    ``relative_change_pct`` is the change against that expectation (the ratio form of
    a difference in differences); ``change_pct``, the naive before/after change, is
    kept to show how much of it the region's own trend explains.

    Parameters
    ----------
    wh : Warehouse or mapping of tables
    municipality : str
        Where the pilot runs.
    start : date-like
        First day of the pilot.
    min_age : int
        The pilot's residents (age on 31 December).
    targets : dict, optional
        Indicator -> target as a relative change against the comparison group (e.g.
        ``-0.15``); default :data:`DEFAULT_TARGETS`. Lower is better for every
        indicator here.
    comparison : list of str, optional
        Comparison municipalities (default: all others).

    Returns
    -------
    DataFrame
        ``indicator``, ``unit``, ``before``, ``after``, ``comparison_before``,
        ``comparison_after``, ``expected`` (without the pilot), ``target``,
        ``change_pct`` (own before/after), ``comparison_change_pct``,
        ``relative_change_pct`` (after against expected) and ``met``
        (``after <= target``).

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> t = indicator_targets(example_warehouse(), "FAL", "2023-07-01")
    >>> t.indicator.tolist()[0]
    'acute_admissions_per_1000'
    >>> r = t.iloc[0]
    >>> bool(abs(r.expected - r.before * r.comparison_after / r.comparison_before) < 1e-9)
    True
    """
    targets = dict(DEFAULT_TARGETS if targets is None else targets)
    unknown = sorted(set(targets) - set(DEFAULT_TARGETS))
    if unknown:
        raise ValueError(f"unknown indicator(s) {unknown}; choose from {list(DEFAULT_TARGETS)}")
    for k, v in targets.items():
        if not np.isfinite(v) or v < -1:
            raise ValueError(
                f"target for {k} is a relative change and must be -1 or more, got {v!r}"
            )
    start = pd.Timestamp(start)
    units = sorted(wh["resident_years"].municipality_code.astype(str).unique())
    if municipality not in units:
        raise ValueError(f"unknown municipality {municipality!r}; choose from {units}")
    comparison = [u for u in units if u != municipality] if comparison is None else comparison
    bad = [u for u in comparison if u not in units or u == municipality]
    if bad or not comparison:
        raise ValueError(f"comparison must be other municipalities of {units}; got {comparison!r}")

    def before_after(level, acute=True, measure="contacts"):
        r = admission_rates(wh, min_age, "M", acute, level, measure)
        out = []
        for group in ([municipality], comparison):
            g = r[r.municipality_code.isin(group)]
            a = g.period >= start
            out += [1000 * g.admissions[m].sum() / g.person_years[m].sum() for m in (~a, a)]
        return out

    def readmissions():
        out = []
        for group in (municipality, comparison):
            rs = readmission_shares(wh, min_age, "M", group)
            a = rs.period >= start
            out += [100 * rs.readmitted[m].sum() / rs.discharges[m].sum() for m in (~a, a)]
        return out

    compute = {
        "acute_admissions_per_1000": lambda: before_after("inpatient"),
        "ed_visits_per_1000": lambda: before_after("emergency"),
        "bed_days_per_1000": lambda: before_after("inpatient", False, "bed_days"),
        "readmission_30d_pct": readmissions,
    }
    rows = []
    for k, rel in targets.items():
        before, after, c_before, c_after = compute[k]()
        expected = before * c_after / c_before
        target = expected * (1 + rel)
        unit = "% of discharges" if k.endswith("pct") else "per 1,000 residents-years"
        rows.append(
            (
                k,
                unit,
                before,
                after,
                c_before,
                c_after,
                expected,
                target,
                100 * (after / before - 1),
                100 * (c_after / c_before - 1),
                100 * (after / expected - 1),
                bool(after <= target),
            )
        )
    return pd.DataFrame(
        rows,
        columns=[
            "indicator",
            "unit",
            "before",
            "after",
            "comparison_before",
            "comparison_after",
            "expected",
            "target",
            "change_pct",
            "comparison_change_pct",
            "relative_change_pct",
            "met",
        ],
    )

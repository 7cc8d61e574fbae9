"""The same PEC allocation written as DuckDB SQL (for the benchmark and as a reading aid).

:func:`pec_sql` builds the pools, rates and encounter costs of
:func:`pecdata.pec.cost_encounters` in one SQL query, rule for rule (see
:mod:`pecdata.pec.pools`): staff pools with salaries (per profession, or pro rata
paid hours), on-costs pro rata salaries, premises and equipment to bed-day or
theatre pools (else the staff pools pro rata staff cost), support pro rata the
pools' cost, imaging and laboratory units as one service pool each, traced
drugs and supplies straight to the encounter and the untraced rest pro rata
bed-days (wards) or staff minutes, and view b spreading each pool's unused
capacity over its users.

Not covered (the Python version lists them as warnings): pools with cost but
no use (their cost is not absorbed here), ledger accounts missing from
``accounts``, and amounts at units that have no pool to take them. On a
sound warehouse the two versions agree to the öre; ``bench/pec.py`` checks it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import duckdb
import numpy as np
import pandas as pd

__all__ = ["pec_sql", "PEC_SQL"]

#: The query; ``{years}`` is replaced by the list of years costed.
PEC_SQL = """
WITH
u AS (
  SELECT CAST(unit_id AS VARCHAR) AS unit_id, CAST(unit_type AS VARCHAR) AS unit_type,
         CASE CAST(unit_type AS VARCHAR) WHEN 'ward' THEN 'bed_day'
              WHEN 'surgical_centre' THEN 'theatre' END AS facility,
         CASE WHEN CAST(unit_type AS VARCHAR) IN ('imaging', 'laboratory')
              THEN CAST(unit_type AS VARCHAR) END AS service
  FROM units),
enc AS (SELECT encounter_id, year FROM encounters WHERE year IN ({years})),
act AS (
  SELECT a.encounter_id, e.year, CAST(a.unit_id AS VARCHAR) AS unit_id,
         CAST(a.resource AS VARCHAR) AS resource, a.quantity
  FROM activities a JOIN enc e USING (encounter_id)),
used AS (SELECT year, unit_id, resource, sum(quantity) AS used FROM act GROUP BY ALL),
led AS (
  SELECT l.year, CAST(l.unit_id AS VARCHAR) AS unit_id, l.amount_sek AS amount,
         CAST(a.account_group AS VARCHAR) AS grp, a.patient_related,
         CAST(a.profession AS VARCHAR) AS profession
  FROM ledger l JOIN accounts a ON CAST(l.account AS VARCHAR) = CAST(a.account AS VARCHAR)
  WHERE l.year IN ({years})),
unit_amounts AS (
  SELECT year, unit_id,
    coalesce(sum(amount) FILTER (grp = 'salaries' AND profession IS NULL AND patient_related),
             0) AS salaries_any,
    coalesce(sum(amount) FILTER (grp = 'on_costs' AND patient_related), 0) AS on_costs,
    coalesce(sum(amount) FILTER (grp IN ('premises', 'equipment') AND patient_related), 0)
      AS rooms,
    coalesce(sum(amount) FILTER (grp IN ('it', 'administration') AND patient_related), 0)
      AS support,
    coalesce(sum(amount) FILTER (grp IN ('drugs', 'supplies') AND patient_related), 0)
      AS direct_ledger,
    coalesce(sum(amount) FILTER (patient_related), 0) AS patient_total
  FROM led GROUP BY ALL),
traced AS (
  SELECT year, unit_id, sum(used) AS traced FROM used
  WHERE resource IN ('drugs', 'supplies') GROUP BY ALL),
staff_in AS (
  SELECT year, CAST(unit_id AS VARCHAR) AS unit_id, CAST(profession AS VARCHAR) AS resource,
         sum(paid_hours) AS paid, sum(practical_hours) * 60 AS cap
  FROM staffing WHERE year IN ({years}) GROUP BY ALL),
salary_in AS (
  SELECT year, unit_id, profession AS resource, sum(amount) AS salary
  FROM led WHERE grp = 'salaries' AND patient_related AND profession IS NOT NULL GROUP BY ALL),
staff1 AS (   -- staff pools of non-service units: salaries
  SELECT year, unit_id, resource, coalesce(s.paid, 0) AS paid, coalesce(s.cap, 0) AS cap,
         coalesce(p.salary, 0) + coalesce(ua.salaries_any, 0) * coalesce(s.paid, 0)
           / nullif(sum(coalesce(s.paid, 0)) OVER w, 0) AS salary,
         coalesce(ua.on_costs, 0) AS on_costs, coalesce(ua.rooms, 0) AS rooms, u.facility
  FROM staff_in s FULL JOIN salary_in p USING (year, unit_id, resource)
  JOIN u USING (unit_id) LEFT JOIN unit_amounts ua USING (year, unit_id)
  WHERE u.service IS NULL
  WINDOW w AS (PARTITION BY year, unit_id)),
staff2 AS (   -- + on-costs pro rata salaries (paid hours if no salaries)
  SELECT *, salary + on_costs * CASE WHEN sum(salary) OVER w > 0
      THEN salary / sum(salary) OVER w ELSE paid / nullif(sum(paid) OVER w, 0) END AS staff
  FROM staff1 WINDOW w AS (PARTITION BY year, unit_id)),
staff3 AS (   -- + premises and equipment at units without a facility pool
  SELECT year, unit_id, resource, cap, staff,
         CASE WHEN facility IS NULL THEN rooms * staff / nullif(sum(staff) OVER w, 0) ELSE 0
         END AS beds_rooms, 0.0 AS service
  FROM staff2 WINDOW w AS (PARTITION BY year, unit_id)),
capacity_in AS (
  SELECT year, CAST(unit_id AS VARCHAR) AS unit_id, CAST(resource AS VARCHAR) AS resource,
         sum(practical_quantity) AS cap
  FROM capacity WHERE year IN ({years}) GROUP BY ALL),
other_pools AS (   -- bed-day and theatre pools; imaging and laboratory service pools
  SELECT ua.year, ua.unit_id, coalesce(u.facility, u.service) AS resource,
         coalesce(c.cap, 0) AS cap, 0.0 AS staff,
         CASE WHEN u.facility IS NOT NULL THEN ua.rooms ELSE 0 END AS beds_rooms,
         CASE WHEN u.service IS NOT NULL THEN ua.patient_total - coalesce(t.traced, 0) ELSE 0
         END AS service
  FROM unit_amounts ua JOIN u USING (unit_id)
  LEFT JOIN capacity_in c ON c.year = ua.year AND c.unit_id = ua.unit_id
    AND c.resource = coalesce(u.facility, u.service)
  LEFT JOIN traced t ON t.year = ua.year AND t.unit_id = ua.unit_id
  WHERE u.facility IS NOT NULL OR u.service IS NOT NULL),
pools0 AS (SELECT * FROM staff3 UNION ALL BY NAME SELECT * FROM other_pools),
pools AS (   -- + support pro rata the pools' other cost (service pools hold their own)
  SELECT p.year, p.unit_id, p.resource, p.cap, p.staff, p.beds_rooms, p.service,
         CASE WHEN u.service IS NULL THEN coalesce(ua.support, 0) * (p.staff + p.beds_rooms)
              / nullif(sum(p.staff + p.beds_rooms) OVER w, 0) ELSE 0 END AS support,
         coalesce(us.used, 0) AS used
  FROM pools0 p JOIN u USING (unit_id) LEFT JOIN unit_amounts ua USING (year, unit_id)
  LEFT JOIN used us USING (year, unit_id, resource)
  WINDOW w AS (PARTITION BY p.year, p.unit_id)),
pool_rates AS (
  SELECT *, staff + beds_rooms + service + support AS total,
         CASE WHEN cap > 0 THEN 1.0 / cap ELSE 0 END AS per_cap
  FROM pools),
untraced AS (   -- untraced drugs and supplies per unit of driver (negative if traced > ledger)
  SELECT k.year, k.unit_id, u.unit_type,
         (coalesce(ua.direct_ledger, 0) - coalesce(t.traced, 0)) / nullif(d.driver, 0) AS rate
  FROM (SELECT year, unit_id FROM unit_amounts UNION SELECT year, unit_id FROM traced) k
  JOIN u USING (unit_id)
  LEFT JOIN unit_amounts ua USING (year, unit_id) LEFT JOIN traced t USING (year, unit_id)
  LEFT JOIN (
    SELECT us.year, us.unit_id, sum(us.used) AS driver FROM used us JOIN u USING (unit_id)
    WHERE (u.unit_type = 'ward' AND us.resource = 'bed_day')
       OR (u.unit_type <> 'ward' AND us.resource IN ('physician', 'nurse', 'assistant_nurse',
                                                     'allied_health', 'medical_secretary'))
    GROUP BY ALL) d USING (year, unit_id)
  WHERE u.service IS NULL),
rates AS (
  SELECT coalesce(p.year, us.year) AS year, coalesce(p.unit_id, us.unit_id) AS unit_id,
         coalesce(p.resource, us.resource) AS resource,
         coalesce(p.staff * p.per_cap, 0) AS staff_r,
         coalesce(p.beds_rooms * p.per_cap, 0) AS rooms_r,
         coalesce(p.service * p.per_cap, 0) AS service_r,
         coalesce(p.support * p.per_cap, 0) AS support_r,
         CASE WHEN coalesce(p.resource, us.resource) IN ('drugs', 'supplies') THEN 1.0
              ELSE 0 END AS direct_r,
         CASE WHEN p.used > 0 THEN (p.total - p.used * p.total * p.per_cap) / p.used ELSE 0
         END AS absorbed_r
  FROM pool_rates p FULL JOIN used us USING (year, unit_id, resource)),
rates2 AS (
  SELECT r.*, CASE WHEN (ut.unit_type = 'ward' AND r.resource = 'bed_day')
      OR (ut.unit_type <> 'ward' AND r.resource IN ('physician', 'nurse', 'assistant_nurse',
          'allied_health', 'medical_secretary')) THEN coalesce(ut.rate, 0) ELSE 0
      END AS untraced_r
  FROM rates r LEFT JOIN untraced ut USING (year, unit_id)),
per_encounter AS (
  SELECT a.encounter_id,
         sum(a.quantity * r.staff_r) AS staff_sek, sum(a.quantity * r.rooms_r) AS beds_rooms_sek,
         sum(a.quantity * r.service_r) AS service_sek, sum(a.quantity * r.direct_r) AS direct_sek,
         sum(a.quantity * r.untraced_r) AS untraced_sek,
         sum(a.quantity * r.support_r) AS support_sek,
         sum(a.quantity * r.absorbed_r) AS absorbed_unused_sek
  FROM act a JOIN rates2 r USING (year, unit_id, resource) GROUP BY a.encounter_id)
SELECT e.encounter_id, e.year,
       coalesce(staff_sek + beds_rooms_sek + service_sek + direct_sek + untraced_sek
                + support_sek, 0) AS cost_sek,
       coalesce(staff_sek + beds_rooms_sek + service_sek + direct_sek + untraced_sek
                + support_sek + absorbed_unused_sek, 0) AS cost_full_sek,
       coalesce(staff_sek, 0) AS staff_sek, coalesce(beds_rooms_sek, 0) AS beds_rooms_sek,
       coalesce(service_sek, 0) AS service_sek, coalesce(direct_sek, 0) AS direct_sek,
       coalesce(untraced_sek, 0) AS untraced_sek, coalesce(support_sek, 0) AS support_sek,
       coalesce(absorbed_unused_sek, 0) AS absorbed_unused_sek
FROM enc e LEFT JOIN per_encounter USING (encounter_id)
ORDER BY e.encounter_id
"""
_TABLES = ("units", "encounters", "activities", "staffing", "capacity", "ledger", "accounts")


def pec_sql(
    wh: Mapping[str, pd.DataFrame],
    years: Iterable[int] | int | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> pd.DataFrame:
    """Encounter costs (views a and b, with the breakdown) computed by DuckDB SQL.

    Parameters
    ----------
    wh : Warehouse or mapping of tables
        The tables are registered with DuckDB as they are (no copy).
    years : int or iterable of int, optional
        Default: every year of the ledger.
    con : DuckDBPyConnection, optional
        A connection that already has the tables (e.g. ``warehouse.duckdb``);
        default: a new in-memory connection over ``wh``.

    Returns
    -------
    DataFrame
        ``encounter_id``, ``year``, ``cost_sek``, ``cost_full_sek`` and the
        breakdown columns of ``encounter_costs``, sorted by ``encounter_id``.

    Examples
    --------
    >>> from pecdata.examples import example_warehouse
    >>> from pecdata.pec import cost_encounters
    >>> wh = example_warehouse()
    >>> sql = pec_sql(wh, years=2022)
    >>> py = cost_encounters(wh, years=2022).encounter_costs
    >>> bool(abs(sql.cost_full_sek.sum() - py.cost_full_sek.sum()) < 0.01)
    True
    """
    if years is None:
        years = np.unique(wh["ledger"]["year"].to_numpy())
    years = [int(y) for y in np.atleast_1d(np.asarray(years))]
    own = con is None
    if own:
        con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")
        for name in _TABLES:
            con.register(name, wh[name])
    try:
        return con.execute(PEC_SQL.format(years=", ".join(map(str, years)))).df()
    finally:
        if own:
            con.close()

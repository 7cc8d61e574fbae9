"""pecdata: a synthetic regional health-care data warehouse, Patient Encounter Cost (PEC)
and the analyses of a nine-step method for data-driven strategic planning.

The public API, grouped by the step of the method that uses it:

* the warehouse (steps 1-2): :func:`generate`, :func:`load`, :func:`save`,
  :class:`Warehouse`, :func:`validate`, :func:`check`, :func:`data_dictionary`,
  :func:`calibration_table`;
* the current state (step 3): utilisation, flows, trends, occupancy;
* costing (step 4): :func:`cost_encounters`, :func:`resident_costs`,
  :func:`average_costing`, :func:`compare_costing`;
* segments (step 5) and problem areas (step 6);
* interventions (step 7), pilot portfolios (step 8) and follow-up (step 9).

Figures live in :mod:`pecdata.plots` and the project's look in :mod:`pecdata.plots.theme`.

Examples
--------
>>> import pecdata
>>> wh = pecdata.generate(residents=1_000, years=3, seed=1)
>>> pecdata.check(wh)
[]
"""

from pecdata.generation import generate
from pecdata.warehouse import Warehouse, add_tables, load, save
from pecdata.warehouse.validation import ValidationError, check, validate
from pecdata.warehouse.privacy import suppress_small_counts
from pecdata.warehouse.dictionary import data_dictionary, dictionary_markdown
from pecdata.analyses.calibration import calibration_table
from pecdata.analyses.cleaning import clean_region, copied_encounters
from pecdata.analyses.current_state import (
    age_band,
    ed_flow,
    person_years,
    specialist_referrals,
    staff_utilisation,
    utilisation_per_1000,
    utilisation_trends,
    ward_occupancy,
)
from pecdata.pec import PecResult, add_cost_tables, cost_encounters, resident_costs
from pecdata.pec.average import average_costing, compare_costing
from pecdata.analyses.segments import (
    assign_segments,
    cost_concentration,
    high_cost_persistence,
    lorenz_curve,
    persistence_matrix,
    resident_year_costs,
    segment_profiles,
)
from pecdata.analyses.indicators import (
    ACSC_GROUPS,
    ACSC_SOURCE,
    acsc_group,
    avoidable_admissions,
    ed_attender_summary,
    frequent_ed_attenders,
    readmission_flags,
    readmissions_30d,
    repeat_readmitters,
    unused_capacity_hotspots,
)
from pecdata.analyses.funnel import funnel_data, funnel_limits
from pecdata.analyses.conformance import conformance_summary, pathway_instances
from pecdata.analyses.problems import problem_register
from pecdata.planning.interventions import Intervention, Shift, catalogue, catalogue_table
from pecdata.planning.scenarios import build_baseline, run_scenario, scenario_summary
from pecdata.planning.projection import project_population
from pecdata.planning.uncertainty import monte_carlo, tornado, uncertainty_intervals
from pecdata.planning.portfolio import compare_sequencing, plot_plan, score_pilots, sequence_pilots
from pecdata.followup import (
    admission_counts,
    admission_rates,
    difference_in_differences,
    indicator_targets,
    p_chart,
    xmr_chart,
)

# Figures and helpers of steps 7-9 used by their notebooks (additions for issue 13).
from pecdata.planning.projection import plot_projection
from pecdata.planning.uncertainty import plot_tornado, plot_uncertainty
from pecdata.followup import (
    evaluated_intervention,
    plot_control_chart,
    plot_difference_in_differences,
    readmission_shares,
)
from pecdata import plots
from pecdata.plots.theme import (
    LEVEL_COLOURS,
    LEVEL_LABELS,
    PALETTE,
    format_sek,
    per_1000_axis,
    percent_axis,
    sek_axis,
    set_theme,
)
from pecdata.warehouse.schema import PROFESSIONS, TABLES
from pecdata.analyses.calibration import TARGETS as CALIBRATION_TARGETS

__version__ = "0.1.0"


#: Names imported when first used: the explorer needs ipywidgets, the course's
#: feedback and notebooks machinery is not needed by the library itself.
_LAZY = {
    "explore_scenarios": ("pecdata.planning.explorer", "explore_scenarios"),
    "open_region": ("pecdata.teaching.region", "open_region"),
    "check_answer": ("pecdata.teaching.feedback", "check"),
    "progress": ("pecdata.teaching.feedback", "progress"),
    "focus_options": ("pecdata.teaching.focus", "focus_options"),
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'pecdata' has no attribute {name!r}")


__all__ = sorted(
    [
        n
        for n, v in list(globals().items())
        if not n.startswith("_") and not isinstance(v, type(__import__("sys")))
    ]
    + list(_LAZY)
)

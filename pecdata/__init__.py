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

Every name is imported when first used (PEP 562), so ``import pecdata`` and the
command line load only what they need: ``pecdata generate`` never imports the
plotting, planning or analysis modules (about 2.5 s of a command's start-up).

Examples
--------
>>> import pecdata
>>> wh = pecdata.generate(residents=1_000, years=3, seed=1)
>>> pecdata.check(wh)
[]
"""

import importlib

__version__ = "0.1.0"

#: The public names, by the module each comes from (imported when first used).
_EXPORTS = {
    "pecdata.generation": ("generate",),
    "pecdata.warehouse": ("Warehouse", "add_tables", "load", "save"),
    "pecdata.warehouse.validation": ("ValidationError", "check", "validate"),
    "pecdata.warehouse.privacy": ("protect_figures", "suppress_small_counts"),
    "pecdata.warehouse.dictionary": ("data_dictionary", "dictionary_markdown"),
    "pecdata.analyses.calibration": ("calibration_table",),
    "pecdata.analyses.cleaning": ("clean_region", "copied_encounters"),
    "pecdata.analyses.current_state": (
        "age_band",
        "ed_flow",
        "person_years",
        "specialist_referrals",
        "staff_utilisation",
        "utilisation_per_1000",
        "utilisation_trends",
        "ward_occupancy",
    ),
    "pecdata.pec": ("PecResult", "add_cost_tables", "cost_encounters", "resident_costs"),
    "pecdata.pec.average": ("average_costing", "compare_costing"),
    "pecdata.analyses.segments": (
        "assign_segments",
        "cost_concentration",
        "high_cost_persistence",
        "lorenz_curve",
        "persistence_matrix",
        "resident_year_costs",
        "segment_profiles",
    ),
    "pecdata.analyses.indicators": (
        "ACSC_GROUPS",
        "ACSC_SOURCE",
        "acsc_group",
        "avoidable_admissions",
        "ed_attender_summary",
        "frequent_ed_attenders",
        "readmission_flags",
        "readmissions_30d",
        "repeat_readmitters",
        "unused_capacity_hotspots",
    ),
    "pecdata.analyses.funnel": ("funnel_data", "funnel_limits"),
    "pecdata.analyses.conformance": ("conformance_summary", "pathway_instances"),
    "pecdata.analyses.problems": ("problem_register",),
    "pecdata.planning.interventions": ("Intervention", "Shift", "catalogue", "catalogue_table"),
    "pecdata.planning.scenarios": ("build_baseline", "run_scenario", "scenario_summary"),
    "pecdata.planning.projection": ("project_population", "plot_projection"),
    "pecdata.planning.uncertainty": (
        "monte_carlo",
        "tornado",
        "uncertainty_intervals",
        "plot_tornado",
        "plot_uncertainty",
    ),
    "pecdata.planning.portfolio": (
        "compare_sequencing",
        "plot_plan",
        "score_pilots",
        "sequence_pilots",
    ),
    # the follow-up of step 9 and the figures and helpers of steps 7-9 (issue 13)
    "pecdata.followup": (
        "admission_counts",
        "admission_rates",
        "difference_in_differences",
        "indicator_targets",
        "p_chart",
        "xmr_chart",
        "evaluated_intervention",
        "plot_control_chart",
        "plot_difference_in_differences",
        "readmission_shares",
    ),
    "pecdata.plots.theme": (
        "LEVEL_COLOURS",
        "LEVEL_LABELS",
        "PALETTE",
        "format_sek",
        "per_1000_axis",
        "percent_axis",
        "sek_axis",
        "set_theme",
    ),
    "pecdata.warehouse.schema": ("PROFESSIONS", "TABLES"),
}

#: Public name -> (module, attribute). Besides the exports above: the explorer needs
#: ipywidgets, the course's feedback and notebooks machinery is not needed by the
#: library itself.
_LAZY = {name: (module, name) for module, names in _EXPORTS.items() for name in names}
_LAZY.update(
    CALIBRATION_TARGETS=("pecdata.analyses.calibration", "TARGETS"),
    explore_scenarios=("pecdata.planning.explorer", "explore_scenarios"),
    open_region=("pecdata.teaching.region", "open_region"),
    check_answer=("pecdata.teaching.feedback", "check"),
    progress=("pecdata.teaching.feedback", "progress"),
    focus_options=("pecdata.teaching.focus", "focus_options"),
)
#: Sub-packages reachable as attributes (``pecdata.plots``), imported when first used.
_SUBMODULES = ("plots",)


def __getattr__(name):
    if name in _LAZY:
        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module 'pecdata' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY) | set(_SUBMODULES))


__all__ = sorted(_LAZY)

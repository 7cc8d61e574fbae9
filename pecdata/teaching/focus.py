"""A focus for each participant: the subject an exercise notebook's exercises are about.

An exercise notebook takes papermill parameters such as ``focus_municipality``
or ``focus_unit`` (each with a default in its ``parameters`` cell), so that a
trainer can give participants different subjects. The checks compute the right
answer for whatever was chosen: a check cell passes the focus on,
``pecdata.check_answer("03-core-1", rate, wh, **focus)``.

A focus parameter is registered once with :func:`focus_parameter` (name, default,
description and a function that lists its valid values in a warehouse); an
exercise declares the parameters it uses with ``@exercise(..., focus=(...))``.
:func:`focus_options` then says, for a step and a warehouse, which parameters
its exercise notebook accepts and which values are valid: what the cohort tool
(``pecdata course prepare``) needs to hand each participant a subject of their own.

Examples
--------
>>> from pecdata.examples import example_warehouse
>>> options = focus_options(example_warehouse(), 1)
>>> sorted(options)
['focus_municipality', 'focus_unit_type']
>>> options["focus_municipality"]["default"] in options["focus_municipality"]["values"]
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

__all__ = [
    "FocusParameter",
    "FocusError",
    "PARAMETERS",
    "focus_parameter",
    "focus_options",
    "focus_defaults",
    "resolve_focus",
    "step_exclude",
]


class FocusError(ValueError):
    """A focus value that the warehouse does not have (the message lists the valid ones)."""


@dataclass(frozen=True)
class FocusParameter:
    """A papermill parameter that picks the subject of a step's exercises.

    ``values(wh)`` lists the valid values in a warehouse, in a sensible order;
    ``default`` is the value the exercise notebook's ``parameters`` cell holds.
    ``exclude`` are values the lesson notebook uses as its own worked example, so
    that a participant never gets a subject whose answer the lesson printed.
    """

    name: str
    default: object
    description: str
    values: Callable = field(repr=False)
    exclude: tuple = ()

    def valid(self, wh) -> list:
        return [v for v in self.values(wh) if v not in self.exclude]


#: Every registered focus parameter by name.
PARAMETERS: dict[str, FocusParameter] = {}


def focus_parameter(
    name: str, default, description: str, values: Callable, exclude=()
) -> FocusParameter:
    """Register a focus parameter (once; registering the same name again replaces it).

    Parameters
    ----------
    name : str
        The papermill parameter, ``focus_...``.
    default : object
        Its value in the exercise notebook's ``parameters`` cell.
    description : str
        What it picks, for the cohort tool and for messages.
    values : callable
        ``values(wh) -> list``: the valid values in a warehouse.
    exclude : iterable
        Values the lesson uses as its worked example (never valid as a focus).

    Returns
    -------
    FocusParameter
    """
    if not name.startswith("focus_"):
        raise ValueError(f"a focus parameter's name starts with 'focus_', not {name!r}")
    parameter = FocusParameter(name, default, description, values, tuple(exclude))
    PARAMETERS[name] = parameter
    return parameter


#: Values a step excludes from a shared parameter, by (step, name): ``fn(wh) -> values``.
STEP_EXCLUDE: dict[tuple[int, str], Callable] = {}


def step_exclude(step: int, name: str, values: Callable) -> None:
    """Exclude ``values(wh)`` from parameter ``name`` in ``step``'s exercise notebook only.

    For a parameter that several steps share (``focus_municipality``) where one
    step's lesson uses another worked example, or where the region decides which
    values make no sense (step 9's pilot municipality).
    """
    STEP_EXCLUDE[(step, name)] = values


def step_valid(wh, step: int, name: str) -> list:
    """The valid values of ``name`` in ``step`` (the parameter's own and the step's exclusions)."""
    valid = PARAMETERS[name].valid(wh)
    extra = STEP_EXCLUDE.get((step, name))
    if extra is None:
        return valid
    drop = set(extra(wh))
    return [v for v in valid if v not in drop]


def _step_parameters(step: int) -> list[str]:
    from pecdata.teaching.feedback import _registry

    names: list[str] = []
    for e in sorted(_registry().values(), key=lambda e: e.id):
        if e.step == step:
            names += [n for n in e.focus if n not in names]
    return names


def focus_options(wh, step: int) -> dict[str, dict]:
    """The focus parameters a step's exercise notebook accepts, with their valid values.

    Parameters
    ----------
    wh : Warehouse
        The region the participants work on (valid values depend on it).
    step : int
        The step (1-9).

    Returns
    -------
    dict
        ``{parameter: {"default": ..., "values": [...], "description": ...,
        "exercises": [...]}}``; empty for a step without focus parameters. Pass
        any of ``values`` to papermill as that parameter.
    """
    from pecdata.teaching.feedback import _registry

    out = {}
    for name in _step_parameters(step):
        p = PARAMETERS[name]
        out[name] = {
            "default": p.default,
            "values": step_valid(wh, step, name),
            "description": p.description,
            "exercises": sorted(
                e.id for e in _registry().values() if e.step == step and name in e.focus
            ),
        }
    return out


def focus_defaults(step: int) -> dict:
    """The default of each focus parameter of a step (as in its ``parameters`` cell)."""
    return {name: PARAMETERS[name].default for name in _step_parameters(step)}


def resolve_focus(wh, names, given: Mapping) -> dict:
    """The focus values an exercise uses: ``given`` where set, else the defaults.

    Values are checked against the warehouse; other keys of ``given`` (the focus
    of the step's other exercises) are ignored.

    Raises
    ------
    FocusError
        If a value is not valid in this warehouse.
    """
    out = {}
    for name in names:
        p = PARAMETERS[name]
        value = given.get(name, p.default)
        if wh is not None:
            valid = p.valid(wh)
            if value not in valid:
                shown = ", ".join(map(repr, valid[:12])) + (" ..." if len(valid) > 12 else "")
                raise FocusError(
                    f"{name} = {value!r} is not {p.description} in this region; "
                    f"choose one of {shown} in the notebook's parameters cell, or ask "
                    "your trainer."
                )
        out[name] = value
    return out


# --- the focus parameters of steps 1-4 ---------------------------------------------------------
def _municipalities(wh) -> list[str]:
    return sorted(wh["municipalities"]["municipality_code"].astype(str))


def _units(wh, unit_type: str) -> list[str]:
    units = wh["units"]
    return sorted(units.loc[units["unit_type"] == unit_type, "unit_id"].astype(str))


def _region_unit_types(wh) -> list[str]:
    units = wh["units"]
    return sorted(units.loc[units["owner"] == "region", "unit_type"].astype(str).unique())


def _care_levels(wh) -> list[str]:
    return sorted(wh["encounters"]["care_level"].astype(str).unique())


def _ward_specialties(wh) -> list[str]:
    units = wh["units"]
    return sorted(units.loc[units["unit_type"] == "ward", "specialty"].astype(str).unique())


def _professions(wh) -> list[str]:
    return sorted(wh["staffing"]["profession"].astype(str).unique())


#: The primary care centre that step 4's lesson costs as its worked example.
LESSON_UNIT_STEP4 = "PC-HAV-01"

focus_parameter("focus_municipality", "SKO", "a municipality code", _municipalities)
focus_parameter(
    "focus_unit_type", "primary_care_centre", "a type of unit run by the region", _region_unit_types
)
focus_parameter("focus_care_level", "outpatient", "a level of care", _care_levels)
focus_parameter(
    "focus_unit",
    "PC-FAL-02",
    "a primary care centre's unit_id",
    lambda wh: _units(wh, "primary_care_centre"),
    exclude=(LESSON_UNIT_STEP4,),
)
focus_parameter("focus_profession", "nurse", "a staff profession", _professions)
focus_parameter("focus_specialty", "orthopaedics", "the specialty of a ward", _ward_specialties)


# --- the focus parameters of steps 5-9 ---------------------------------------------------------
def _segments(wh) -> list[str]:
    from pecdata.analyses.segments import SEGMENTS

    return list(SEGMENTS)


def _interventions(wh) -> list[str]:
    from pecdata.planning.interventions import catalogue

    return list(catalogue())


def _age_bands(wh) -> list[str]:
    from pecdata.planning.interventions import AGE_BAND_LABELS

    return [str(b) for b in AGE_BAND_LABELS]


#: The five criteria of step 8's scoring (the order of its weights).
CRITERIA = ("effect", "cost", "staffing", "feasibility", "time_to_effect")

focus_parameter(
    "focus_segment",
    "multimorbid",
    "a population segment",
    _segments,
    exclude=("complex_needs", "healthy"),  # step 5's lesson profiles these two
)
focus_parameter(
    "focus_centre",
    "PC-HAV-01",
    "a primary care centre's unit_id",
    lambda wh: _units(wh, "primary_care_centre"),
)
focus_parameter(
    "focus_intervention",
    "remote_monitoring",
    "an intervention of the catalogue (a key of pecdata.catalogue())",
    _interventions,
    exclude=("mobile_home_team", "right_sized_wards"),  # step 7's worked examples
)
focus_parameter(
    "focus_age_band",
    "75-84",
    "an age band of the projection",
    _age_bands,
    exclude=("85+",),  # step 7's lesson shows the growth of the oldest
)
focus_parameter(
    "focus_criterion",
    "feasibility",
    "a criterion of the pilot scores",
    lambda wh: list(CRITERIA),
    exclude=("effect",),  # the lesson's weights already favour effect
)

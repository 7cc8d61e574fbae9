"""An interactive scenario explorer (ipywidgets) for step 7.

Tick the interventions to include, move the sliders of their main assumptions (how
many patients they reach, how large the effect) and of the share of freed capacity
that is released, and the figure and table follow at once. The explorer runs the
same engine as :func:`pecdata.planning.scenarios.run_scenario` on a baseline built once, so a
recompute takes a few milliseconds of arithmetic plus drawing the figure; at the
teaching size (50,000 residents) each recompute stays under 100 ms
(``bench/scenarios.py`` measures it).

In the published handbook the widgets are static (no kernel): the figure shows the
default scenario.
"""

from __future__ import annotations

import io
import time

import numpy as np
import pandas as pd

from pecdata.planning.interventions import catalogue
from pecdata.planning.scenarios import MEASURES, _evaluate, _growth

__all__ = ["ScenarioExplorer", "explore_scenarios", "main_parameter"]

TABLE_MEASURES = (
    "total_cost_sek",
    "care_cost_sek",
    "unused_capacity_sek",
    "intervention_cost_sek",
    "acute_admissions",
    "readmissions_30d",
    "ed_visits",
    "bed_days",
    "beds_needed",
    "staffed_beds",
    "staff_fte",
)
_EFFECTS = (
    "admissions",
    "length_of_stay",
    "unused_ward_capacity",
    "shifts.0.share",
    "ed_visits",
    "readmissions",
)


def main_parameter(intervention) -> str:
    """The assumption a slider should move first: the intervention's main effect.

    Examples
    --------
    >>> from pecdata.planning.interventions import catalogue
    >>> main_parameter(catalogue()["digital_visits"])
    'shifts.0.share'
    """
    for name in _EFFECTS:
        if name in intervention.ranges or (
            name in ("admissions", "length_of_stay", "unused_ward_capacity")
            and intervention.parameter(name) != 0
        ):
            return name
    return "coverage"


class ScenarioExplorer:
    """Sliders for the main assumptions, a figure and a table that update together.

    Parameters
    ----------
    baseline : Baseline
        From :func:`pecdata.planning.scenarios.build_baseline` (built once).
    interventions : dict or list of Intervention, optional
        Default: :func:`pecdata.planning.interventions.catalogue`.
    horizon : int
        Planning years shown.
    projection : DataFrame, optional
        Population projection (:func:`pecdata.planning.projection.project_population`).

    Examples
    --------
    >>> from pecdata.planning.scenarios import example_baseline
    >>> ex = ScenarioExplorer(example_baseline(), horizon=3)
    >>> ex.controls["mobile_home_team"]["include"].value = True
    >>> t = ex.recompute()
    >>> bool(t.loc["acute_admissions", "change"] < 0)
    True
    """

    def __init__(
        self, baseline, interventions=None, horizon: int = 5, projection: pd.DataFrame | None = None
    ):
        import ipywidgets as w
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        ivs = catalogue() if interventions is None else interventions
        self.interventions = list(ivs.values()) if isinstance(ivs, dict) else list(ivs)
        self.baseline, self.horizon = baseline, int(horizon)
        self.growth = _growth(baseline, self.horizon, projection)
        self.years = baseline.base_year + 1 + np.arange(self.horizon)
        self.controls, rows = {}, []
        style = {"description_width": "110px"}
        for iv in self.interventions:
            name = main_parameter(iv)
            lo, hi = iv.ranges.get(
                name, (min(0.0, iv.parameter(name)), max(1.0, iv.parameter(name)))
            )
            c = {
                "include": w.Checkbox(
                    value=False,
                    description=iv.name[:48],
                    indent=False,
                    layout=w.Layout(width="340px"),
                ),
                "coverage": w.FloatSlider(
                    value=iv.coverage,
                    min=0,
                    max=1,
                    step=0.05,
                    description="reach (share)",
                    style=style,
                    readout_format=".0%",
                ),
                "effect": w.FloatSlider(
                    value=iv.parameter(name),
                    min=lo,
                    max=hi,
                    step=(hi - lo) / 20 or 0.01,
                    description=name[:16],
                    style=style,
                    readout_format=".2f",
                ),
            }
            c["parameter"] = name
            self.controls[iv.key] = c
            rows.append(w.HBox([c["include"], c["coverage"], c["effect"]]))
        self.released = w.FloatSlider(
            value=0.5,
            min=0,
            max=1,
            step=0.05,
            style=style,
            description="capacity released",
            readout_format=".0%",
        )
        self.image = w.Image(format="png")
        self.table = w.HTML()
        self.timing = w.HTML()
        for c in self.controls.values():
            for k in ("include", "coverage", "effect"):
                c[k].observe(self._on_change, names="value")
        self.released.observe(self._on_change, names="value")
        self.fig = Figure(figsize=(10, 3.6), dpi=72)
        FigureCanvasAgg(self.fig)
        self.ax_cost, self.ax_out = self.fig.subplots(1, 2)
        self._draw_frame()
        self.widget = w.VBox(
            [
                w.HTML("<b>Interventions</b> (tick to include)"),
                *rows,
                self.released,
                self.image,
                self.table,
                self.timing,
            ]
        )
        self.last_seconds = None
        self.recompute()

    def _on_change(self, _change) -> None:
        self.recompute()

    def selected(self) -> list:
        """The ticked interventions with the sliders' values.

        Examples
        --------
        >>> from pecdata.planning.scenarios import example_baseline
        >>> ex = explore_scenarios(example_baseline(), include=["digital_visits"])
        >>> [iv.key for iv in ex.selected()]
        ['digital_visits']
        """
        out = []
        for iv in self.interventions:
            c = self.controls[iv.key]
            if c["include"].value:
                iv = iv.with_parameter("coverage", c["coverage"].value)
                out.append(iv.with_parameter(c["parameter"], c["effect"].value))
        return out

    def _draw_frame(self) -> None:
        from matplotlib.ticker import MaxNLocator

        from pecdata.plots.theme import PALETTE, sek_axis

        x = np.arange(self.horizon)
        ax = self.ax_cost
        self.bars = {
            k: ax.bar(
                x + dx, np.zeros(self.horizon), width=0.25, color=col, label=lab, animated=True
            )
            for k, dx, col, lab in (
                ("care_cost_sek", -0.25, PALETTE[0], "care (PEC rates)"),
                ("unused_capacity_sek", 0.0, PALETTE[7], "unused capacity"),
                ("intervention_cost_sek", 0.25, PALETTE[1], "interventions' own"),
            )
        }
        (self.net_line,) = ax.plot(
            x, np.zeros(self.horizon), "ko-", label="total change", animated=True
        )
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_xticks(x, [str(y) for y in self.years])
        ax.set_title("Change in cost against the baseline")
        sek_axis(ax, "y", millions=True)
        ax.yaxis.set_major_locator(MaxNLocator(4, symmetric=True))
        ax.legend(fontsize="x-small", loc="lower left")
        self.out_measures = (
            "acute_admissions",
            "readmissions_30d",
            "ed_visits",
            "bed_days",
            "visits_outpatient",
            "visits_primary_care",
            "visits_digital",
        )
        y = np.arange(len(self.out_measures))
        self.out_bars = self.ax_out.barh(y, np.zeros(len(y)), color=PALETTE[2], animated=True)
        self.ax_out.set_yticks(
            y,
            [
                "Acute admissions",
                "Readmissions",
                "ED visits",
                "Bed-days",
                "Outpatient",
                "Primary care",
                "Digital",
            ],
            fontsize="small",
        )
        self.ax_out.xaxis.set_major_locator(MaxNLocator(4, symmetric=True))
        self.ax_out.invert_yaxis()
        self.ax_out.axvline(0, color="grey", lw=0.8)
        self.ax_out.set_title(f"Change in {self.years[-1]} (%)")
        self.fig.tight_layout()
        self._limits, self._backgrounds = None, {}

    def recompute(self) -> pd.DataFrame:
        """Run the scenario, update the figure and the table; returns the table.

        Examples
        --------
        >>> from pecdata.planning.scenarios import example_baseline
        >>> ex = explore_scenarios(example_baseline())
        >>> float(ex.recompute().loc["total_cost_sek", "change"])
        0.0
        """
        t0 = time.perf_counter()
        arr = _evaluate(
            self.baseline, self.selected(), self.horizon, self.released.value, growth=self.growth
        )
        change = {m: arr[m][1] - arr[m][0] for m in MEASURES}
        for k, bars in self.bars.items():
            for b, v in zip(bars, change[k]):
                b.set_height(v)
        self.net_line.set_ydata(change["total_cost_sek"])
        vals = np.concatenate([change[k] for k in self.bars] + [change["total_cost_sek"]])
        pct = [
            100 * change[m][-1] / arr[m][0][-1] if arr[m][0][-1] else 0.0 for m in self.out_measures
        ]
        for b, v in zip(self.out_bars, pct):
            b.set_width(v)
        self.image.value = self._png(
            (_nice(np.abs(vals).max() * 1.1, 1e5), _nice(np.abs(pct).max() * 1.1, 1.0))
        )
        table = pd.DataFrame(
            {
                "unit": [MEASURES[m][1] for m in TABLE_MEASURES],
                "baseline": [arr[m][0][-1] for m in TABLE_MEASURES],
                "scenario": [arr[m][1][-1] for m in TABLE_MEASURES],
                "change": [change[m][-1] for m in TABLE_MEASURES],
            },
            index=pd.Index(TABLE_MEASURES, name="measure"),
        )
        table["change_pct"] = 100 * table.change / table.baseline.where(table.baseline != 0)
        self.table.value = f"<b>{self.years[-1]}</b> (last planning year)" + table.to_html(
            float_format=lambda v: f"{v:,.1f}"
        )
        self.last_seconds = time.perf_counter() - t0
        self.timing.value = f"<small>recomputed in {1000 * self.last_seconds:.0f} ms</small>"
        return table

    def _png(self, limits) -> bytes:
        """The figure as PNG. Axes, ticks and labels are drawn once per pair of axis limits
        (they step through 1, 2, 5, 10, ...) and kept; each recompute draws only the bars
        on the saved background (blitting), which keeps it far below 100 ms."""
        from PIL import Image

        canvas = self.fig.canvas
        if limits not in self._backgrounds:
            self.ax_cost.set_ylim(-limits[0], limits[0])
            self.ax_out.set_xlim(-limits[1], limits[1])
            canvas.draw()
            self._backgrounds[limits] = canvas.copy_from_bbox(self.fig.bbox)
        if limits != self._limits:
            self.ax_cost.set_ylim(-limits[0], limits[0])
            self.ax_out.set_xlim(-limits[1], limits[1])
            self._limits = limits
        canvas.restore_region(self._backgrounds[limits])
        for ax, artists in (
            (self.ax_cost, [*self._cost_artists(), self.net_line]),
            (self.ax_out, self.out_bars),
        ):
            for a in artists:
                ax.draw_artist(a)
        buf = io.BytesIO()
        Image.fromarray(np.asarray(canvas.buffer_rgba())).save(buf, "png", compress_level=1)
        return buf.getvalue()

    def _cost_artists(self):
        return [b for bars in self.bars.values() for b in bars]

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


def _nice(value: float, floor: float) -> float:
    """The next of 1, 2, 5, 10, 20, ... times a power of ten at or above ``value``."""
    value = max(float(value), floor)
    power = 10 ** np.floor(np.log10(value))
    for m in (1, 2, 5, 10):
        if m * power >= value - 1e-12:
            return float(m * power)
    return float(10 * power)


def explore_scenarios(
    baseline,
    interventions=None,
    horizon: int = 5,
    projection: pd.DataFrame | None = None,
    include=(),
) -> ScenarioExplorer:
    """Build the scenario explorer (display it by making it a cell's last line).

    Parameters
    ----------
    include : sequence of str
        Keys of interventions ticked from the start.

    Examples
    --------
    >>> from pecdata.planning.scenarios import example_baseline
    >>> ex = explore_scenarios(example_baseline(), include=["digital_visits"])
    >>> ex.last_seconds < 1
    True
    """
    ex = ScenarioExplorer(baseline, interventions, horizon, projection)
    unknown = [k for k in include if k not in ex.controls]
    if unknown:
        raise ValueError(f"unknown intervention(s) {unknown}; choose from {list(ex.controls)}")
    for k in include:
        ex.controls[k]["include"].value = True
    return ex

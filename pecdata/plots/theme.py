"""One look for every figure in the curriculum.

A colour-blind-safe palette (seaborn's ``colorblind``, after Okabe and Ito),
readable sizes for slides and the handbook, and number formats planners expect:
kronor with thin thousands separators, rates per 1,000 residents, percentages.
Functions in :mod:`pecdata` return figures; nothing is shown or switched at import.
"""

from __future__ import annotations

import matplotlib.ticker as mticker
import seaborn as sns

PALETTE = sns.color_palette("colorblind")
#: Fixed colours for levels of care, so a level has the same colour in every figure.
LEVEL_COLOURS = dict(
    zip(
        (
            "primary_care",
            "digital",
            "outpatient",
            "emergency",
            "inpatient",
            "day_surgery",
            "home_health_care",
        ),
        PALETTE,
    )
)
#: English labels with the Swedish term planners use.
LEVEL_LABELS = {
    "primary_care": "Primary care (primärvård)",
    "digital": "Digital care (digital vård)",
    "outpatient": "Specialist outpatient (öppenvård)",
    "emergency": "Emergency dept (akuten)",
    "inpatient": "Inpatient (slutenvård)",
    "day_surgery": "Day surgery (dagkirurgi)",
    "home_health_care": "Home health care (hemsjukvård)",
}


def set_theme(context: str = "notebook") -> None:
    """Apply the project's seaborn theme (call once at the top of a notebook).

    Examples
    --------
    >>> set_theme()
    """
    sns.set_theme(
        context=context,
        style="whitegrid",
        palette=PALETTE,
        rc={
            "figure.figsize": (8, 4.5),
            "axes.titleweight": "bold",
            "axes.titlesize": "medium",
            "figure.dpi": 100,
        },
    )


def format_sek(value: float, decimals: int = 0) -> str:
    """Kronor the Swedish way: ``1 234 567 SEK`` (M SEK above ten million).

    Examples
    --------
    >>> format_sek(1234567)
    '1 234 567 SEK'
    >>> format_sek(48_500_000)
    '48.5 M SEK'
    """
    if abs(value) >= 10_000_000:
        return f"{value / 1e6:,.1f} M SEK".replace(",", " ")
    return f"{value:,.{decimals}f} SEK".replace(",", " ")


def sek_axis(ax, axis: str = "y", millions: bool = False) -> None:
    """Format an axis in kronor (or millions of kronor)."""
    if millions:
        fmt = mticker.FuncFormatter(lambda v, _: f"{v / 1e6:,.0f} M".replace(",", " "))
    else:
        fmt = mticker.FuncFormatter(lambda v, _: f"{v:,.0f}".replace(",", " "))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def percent_axis(ax, axis: str = "y", decimals: int = 0) -> None:
    """Format an axis of shares (0-1) as percentages."""
    fmt = mticker.PercentFormatter(xmax=1, decimals=decimals)
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def per_1000_axis(ax, axis: str = "y") -> None:
    """Format an axis of rates per 1,000 residents."""
    fmt = mticker.FuncFormatter(lambda v, _: f"{v:,.0f}".replace(",", " "))
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(fmt)

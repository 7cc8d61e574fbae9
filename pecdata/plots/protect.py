"""Small counts left out of figures drawn from a region's own data.

When :func:`pecdata.warehouse.privacy.protect_figures` is on (``open_region``
switches it on for a non-synthetic warehouse), each figure function asks
:func:`small` which of its bars, points or segments rest on a count from 1 to
4 (the count itself, or the numerator or denominator of the share or rate it
shows), leaves those out, and calls :func:`note` to say beneath the figure how
many it left out. Zero is shown: it reveals no person. With protection off
(synthetic regions) :func:`small` is all False and figures are unchanged.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from pecdata.warehouse.privacy import SMALL, protecting_figures

__all__ = ["small", "note"]


def small(*counts) -> np.ndarray:
    """Boolean mask: True where any of ``counts`` is from 1 to ``SMALL - 1``.

    ``counts`` are equally long arrays (or Series) of counts, possibly computed
    (e.g. a rate times its denominator), so they are rounded first. All False
    when figures are not protected.

    Examples
    --------
    >>> from pecdata.warehouse.privacy import protect_figures
    >>> protect_figures(); small([0, 3, 12], [40, 40, 4.0]).tolist()
    [False, True, True]
    >>> protect_figures(False); small([0, 3, 12]).tolist()
    [False, False, False]
    """
    arrays = [np.round(np.asarray(c, dtype=float)) for c in counts]
    hide = np.zeros(np.shape(arrays[0]), dtype=bool)
    if not protecting_figures():
        return hide
    for a in arrays:
        hide |= (a >= 1) & (a < SMALL)
    return hide


def note(fig: Figure, hidden: int) -> Figure:
    """Write beneath ``fig`` how many values were left out for small counts."""
    if hidden:
        what = "value" if hidden == 1 else "values"
        fig.text(
            0.01,
            0.0,
            f"{hidden} {what} left out: based on fewer than {SMALL} people or events "
            "(a region's own data).",
            fontsize="x-small",
            ha="left",
            va="bottom",
            color="0.3",
        )
    return fig

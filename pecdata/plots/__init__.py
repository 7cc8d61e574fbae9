"""Figures of the course and the project's look (:mod:`pecdata.plots.theme`).

Every function returns a :class:`matplotlib.figure.Figure`; nothing is shown or
switched at import. Depends on :mod:`pecdata.analyses` for labels.
"""

from pecdata.plots.figures import *  # noqa: F403
from pecdata.plots.figures import __all__

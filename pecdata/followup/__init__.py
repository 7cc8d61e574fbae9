"""Step 9: indicators and targets, statistical process control (XmR and p-charts) and
the evaluation of a pilot against a comparison group (difference in differences).

Depends on :mod:`pecdata.analyses` and :mod:`pecdata.plots`.
"""

from pecdata.followup.evaluation import *  # noqa: F403
from pecdata.followup.evaluation import __all__

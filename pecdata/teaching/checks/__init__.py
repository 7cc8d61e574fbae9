"""The checks of each step's exercises, one module per step.

Each module in :data:`STEP_MODULES` defines, for each exercise of its step, a
function ``expect(wh)`` that returns an expectation (what a right answer looks
like, computed from the warehouse; see :mod:`pecdata.teaching.checks.expectations`) and
registers it with ``@exercise("SS-tier-N", "title")`` from :mod:`pecdata.teaching.feedback`.
:func:`pecdata.teaching.feedback.check` imports them on first use. Add the module of a new
step here.
"""

STEP_MODULES = tuple(f"step{n:02d}" for n in range(1, 10))

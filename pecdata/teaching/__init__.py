"""The course machinery: exercise notebooks generated from solutions, the feedback
that checks a participant's answers, the per-step checks (:mod:`pecdata.teaching.checks`)
and the focus that gives each participant a subject of their own
(:mod:`pecdata.teaching.focus`, :func:`~pecdata.teaching.focus.focus_options`).

The top room below the CLI: it may use every other part of pecdata.
"""

"""The course machinery: exercise notebooks generated from solutions, the feedback
that checks a participant's answers, and the per-step checks (:mod:`pecdata.teaching.checks`).

The top room below the CLI: it may use every other part of pecdata.
"""

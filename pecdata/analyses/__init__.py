"""The analyses of steps 3, 5 and 6: denominators, the current state, capacity,
segments and cost concentration, indicators (avoidable admissions, readmissions, frequent
ED attenders), vårdförlopp conformance, funnel plots, and the calibration of the region
against published figures.

Depends on :mod:`pecdata.pec` and :mod:`pecdata.warehouse`; every function takes a
warehouse (or its tables) and returns a DataFrame.
"""

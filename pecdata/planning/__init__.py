"""Steps 7 and 8: interventions as data, the baseline and scenarios, the demographic
projection, sensitivity and uncertainty, the scenario explorer and the pilot portfolio
(scoring and sequencing).

Depends on :mod:`pecdata.analyses`, :mod:`pecdata.pec` and :mod:`pecdata.plots`.
"""

"""pecdata: a synthetic regional health-care data warehouse, Patient Encounter Cost (PEC),
and the analyses of a nine-step method for data-driven strategic planning."""
__version__ = "0.1.0"

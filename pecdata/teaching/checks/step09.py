"""Checks for step 9, implement and follow up."""

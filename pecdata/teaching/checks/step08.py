"""Checks for step 8, prioritise and sequence pilots."""

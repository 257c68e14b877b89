"""Dated reference data, each table with its source (see each module's docstring)."""

"""Exports: the 台账 of cases and the indicator table, as XLSX or CSV."""

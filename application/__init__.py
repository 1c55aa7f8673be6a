"""The ledger's eventsourcing Application: commands, queries on aggregates, reference data."""

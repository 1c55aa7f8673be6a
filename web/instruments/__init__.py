"""/cards and /villages/no-litigation: the governance instruments (DESIGN.md §10)."""

"""/court-cases: the court's own case records (DESIGN.md §9)."""

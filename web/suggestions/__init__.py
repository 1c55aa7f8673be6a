"""/suggestions: judicial suggestions and the 三书一函 (DESIGN.md §10)."""

"""/batches: demonstration batches 示范诉讼/示范调解 (DESIGN.md §10)."""

"""Views built from the ledger's events: case state, deadlines, indicator counts and facts."""

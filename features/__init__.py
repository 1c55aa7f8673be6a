"""Business scenarios (pytest-bdd, Chinese Gherkin) for the dispute ledger."""

"""Settings of the warning process, from the environment (read at call time)."""

from __future__ import annotations

import os

from domain.warning_rules import WarningRules


def warning_rules() -> WarningRules:
    """LEDGER_WARNING_RULES: a TOML file of thresholds (domain/warning_rules.py); unset, the defaults."""
    path = os.environ.get("LEDGER_WARNING_RULES", "").strip()
    return WarningRules.load(path) if path else WarningRules()


def sweep_seconds() -> float:
    """LEDGER_WARNING_SWEEP_SECONDS: how often a follower looks for deadlines that passed unmet
    (default 60; 0 turns the sweep off)."""
    return float(os.environ.get("LEDGER_WARNING_SWEEP_SECONDS", "60"))


def warnings_enabled() -> bool:
    """LEDGER_WARNINGS=0 keeps followers and servers from running the warning process."""
    return os.environ.get("LEDGER_WARNINGS", "1").strip().lower() not in ("0", "false", "no", "off")

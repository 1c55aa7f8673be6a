"""Case scenarios: a dispute's way from report to resolution."""

from pytest_bdd import scenarios

scenarios("cases")

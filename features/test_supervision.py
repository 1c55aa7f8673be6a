"""Supervision scenarios: refusals, overdue work and reopened cases."""

from pytest_bdd import scenarios

scenarios("supervision")

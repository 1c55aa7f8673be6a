"""The dispute ledger's domain: the case aggregate, its rules and value objects.

Imports nothing but the standard library and ``eventsourcing.domain``.
"""

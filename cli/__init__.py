"""The ``ledger`` command line: the outermost layer, beside web/."""

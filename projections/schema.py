"""Tables of the views. Times are fixed-width UTC text (see periods.utc_text) in both stores,
so one set of statements serves SQLite and PostgreSQL."""

VIEWS_VERSION = 16

_COURT_COLUMNS = """
        case_number TEXT, court_case_id TEXT, kind TEXT, court_code TEXT, cause TEXT, category TEXT,
        filed_on TEXT, filed_month TEXT, plaintiff_region TEXT, plaintiff_county TEXT, plaintiff_town TEXT,
        plaintiff_village TEXT, defendant_region TEXT, defendant_county TEXT, defendant_town TEXT,
        defendant_village TEXT, plaintiff_is_financial INTEGER, concluded_on TEXT, outcome TEXT,
        pre_litigation_number TEXT, dispute_id TEXT, position BIGINT, recorded_at TEXT"""

TABLES = {
    "v_meta": "key TEXT PRIMARY KEY, value TEXT",
    "v_cases": """
        id TEXT PRIMARY KEY, version INTEGER, status TEXT, source TEXT, category TEXT,
        region_code TEXT, county_code TEXT, town_code TEXT, village_code TEXT,
        route TEXT, organisation_code TEXT, mediator_id TEXT, risk_level TEXT, risk_flags TEXT,
        people_involved INTEGER, amount_in_dispute TEXT, summary TEXT,
        reported_at TEXT, last_occurred_at TEXT, last_recorded_at TEXT,
        resolution TEXT, closed_at TEXT, lead_id TEXT, ever_litigated INTEGER,
        followable_close_at TEXT, position INTEGER, agreement_terms TEXT, agreement_amount TEXT,
        agreed_at TEXT, court_case_number TEXT, court_outcome TEXT, court_outcome_summary TEXT, reopened_at TEXT,
        tally TEXT, joint_bodies TEXT, entrusted_to TEXT""",
    "v_parties": """
        case_id TEXT, idx INTEGER, role TEXT, kind TEXT, name TEXT, id_number TEXT, phone TEXT,
        PRIMARY KEY (case_id, idx)""",
    "v_deadlines": """
        case_id TEXT, seq INTEGER, kind TEXT, opened_at TEXT, due_at TEXT, met_at TEXT,
        met_by TEXT, met_seq INTEGER, cancelled_at TEXT, effective_at TEXT, superseded INTEGER,
        PRIMARY KEY (case_id, seq, kind)""",
    "v_events": """
        position BIGINT PRIMARY KEY, case_id TEXT, seq INTEGER, event_type TEXT,
        actor_id TEXT, actor_role TEXT, occurred_at TEXT, recorded_at TEXT""",
    "v_case_attrs": """
        case_id TEXT, position BIGINT, recorded_at TEXT, category TEXT,
        county_code TEXT, town_code TEXT, village_code TEXT, PRIMARY KEY (case_id, position)""",
    # Indicators v2 (DESIGN.md §6): one row per case per indicator fact it earned, on the county's
    # local day of the event that qualifies it; ``life`` counts reopenings (1 before any). The
    # aggregate v_counts sums them by the cells the indicator filters ask for.
    "v_facts": """
        position BIGINT, kind TEXT, case_id TEXT, life INTEGER, day TEXT, occurred_at TEXT,
        recorded_at TEXT, value DOUBLE PRECISION, PRIMARY KEY (position, kind)""",
    "v_counts": """
        village_code TEXT, town_code TEXT, county_code TEXT, category TEXT, source TEXT, day TEXT,
        kind TEXT, n BIGINT, total DOUBLE PRECISION,
        PRIMARY KEY (village_code, day, kind, category, source)""",
    # v_counts summed by month without category and source: the whole months of unfiltered tables.
    "v_counts_month": """
        village_code TEXT, town_code TEXT, county_code TEXT, month TEXT, kind TEXT, court_diversion INTEGER,
        n BIGINT, total DOUBLE PRECISION, PRIMARY KEY (village_code, month, kind, court_diversion)""",
    "v_regions": """
        code TEXT PRIMARY KEY, level TEXT, name TEXT, parent_code TEXT,
        county_code TEXT, town_code TEXT, village_code TEXT""",
    "v_population": "code TEXT, year INTEGER, population BIGINT, floating BIGINT, PRIMARY KEY (code, year)",
    # The access log under each case it concerns (projections/access.py).
    "v_access_logs": "log_id TEXT PRIMARY KEY, case_id TEXT",
    "v_access": """
        case_id TEXT, position BIGINT, log_id TEXT, seq INTEGER, read_at TEXT, actor_id TEXT,
        actor_role TEXT, endpoint TEXT, purpose TEXT, handler INTEGER, cases INTEGER, hash TEXT,
        PRIMARY KEY (case_id, position)""",
    # The court's own filings (projections/court_views.py): as they stand, and every version.
    "v_court_cases": f"""
        {_COURT_COLUMNS}, PRIMARY KEY (case_number)""",
    "v_court_case_versions": f"""
        {_COURT_COLUMNS}, PRIMARY KEY (case_number, position)""",
    # Which ledger case first filed in court under a number (links court cases to disputes).
    "v_court_links": "court_case_number TEXT PRIMARY KEY, dispute_id TEXT",
    # Mass-dispute and missed-deadline warnings (projections/warning_views.py).
    "v_warnings": """
        id TEXT PRIMARY KEY, kind TEXT, status TEXT, rule TEXT, subject TEXT, category TEXT,
        region_path TEXT, region_code TEXT, case_id TEXT, deadline_kind TEXT, due_at TEXT,
        organisation_code TEXT, mediator_id TEXT, evidence INTEGER, lead_code TEXT, lead_name TEXT,
        handling_due_at TEXT, raised_at TEXT, last_recorded_at TEXT, version INTEGER, position BIGINT""",
    "v_warning_cases": "warning_id TEXT, case_id TEXT, position BIGINT, PRIMARY KEY (warning_id, case_id)",
    # Governance instruments (projections/instruments.py).
    "v_cards": """
        id TEXT PRIMARY KEY, target_kind TEXT, target_code TEXT, target_name TEXT, county_code TEXT,
        town_code TEXT, period TEXT, level TEXT, issued_level TEXT, status TEXT, issued_at TEXT,
        issued_by TEXT, plan_due_on TEXT, plan_filed_on TEXT, talks INTEGER, lifted_at TEXT,
        escalated_at TEXT, version INTEGER, position BIGINT, recorded_at TEXT""",
    "v_no_litigation": """
        id TEXT PRIMARY KEY, village_code TEXT, village_name TEXT, county_code TEXT, town_code TEXT,
        enrol_year INTEGER, sponsor_code TEXT, sponsor_name TEXT, status TEXT, named_year INTEGER,
        revoked_year INTEGER, version INTEGER, position BIGINT, recorded_at TEXT""",
    "v_no_litigation_years": """
        village_code TEXT, year INTEGER, complete INTEGER, passed INTEGER, court_cases INTEGER,
        serious_incidents INTEGER, mass_incidents INTEGER, court_source TEXT, position BIGINT,
        PRIMARY KEY (village_code, year)""",
    # Bulletins (projections/bulletins.py): the latest version and the latest issued one.
    "v_bulletins": """
        id TEXT PRIMARY KEY, county_code TEXT, town_code TEXT, town_name TEXT, period TEXT, edition TEXT,
        status TEXT, number INTEGER, figures_hash TEXT, compiled_at TEXT, issued_number INTEGER,
        issued_at TEXT, version INTEGER, position BIGINT, recorded_at TEXT""",
    # Judicial suggestions and the 三书一函 (projections/suggestions.py).
    "v_suggestions": """
        id TEXT PRIMARY KEY, kind TEXT, number TEXT, issuer_code TEXT, issuer_name TEXT, recipient TEXT,
        category TEXT, region_code TEXT, region_path TEXT, county_code TEXT, status TEXT, drafted_at TEXT,
        issued_at TEXT, delivered_on TEXT, reply_due_on TEXT, reminders INTEGER, escalated_to TEXT,
        escalated_on TEXT, replied_on TEXT, outcome TEXT, reply_late INTEGER, revisits INTEGER, cases INTEGER,
        version INTEGER, position BIGINT, recorded_at TEXT""",
    # Demonstration batches (projections/batch_views.py): one row per batch, one per case in it.
    "v_batches": """
        id TEXT PRIMARY KEY, title TEXT, subject_kind TEXT, subject_name TEXT, credit_code TEXT,
        category TEXT, county_code TEXT, town_code TEXT, region_code TEXT, status TEXT, lead_id TEXT,
        standard_kind TEXT, opened_at TEXT, opened_by TEXT, closed_at TEXT, version INTEGER,
        position BIGINT, recorded_at TEXT""",
    "v_batch_cases": """
        batch_id TEXT, case_id TEXT, added_at TEXT, offered_at TEXT, offered_by TEXT, answer TEXT,
        answered_at TEXT, answered_by TEXT, position BIGINT, PRIMARY KEY (batch_id, case_id)""",
}

#: Indexes the projection itself reads through (a region correction finds the case's facts).
PROJECTION_INDEXES = [
    "CREATE INDEX IF NOT EXISTS v_facts_case ON v_facts (case_id, kind, day)",
    "CREATE INDEX IF NOT EXISTS v_court_cases_id ON v_court_cases (court_case_id)",
    "CREATE INDEX IF NOT EXISTS v_court_cases_pre ON v_court_cases (pre_litigation_number)",
    "CREATE INDEX IF NOT EXISTS v_court_versions_pre ON v_court_case_versions (pre_litigation_number)",
    # A case's batches: the case list's batch filters and the case's page.
    "CREATE INDEX IF NOT EXISTS v_batch_cases_case ON v_batch_cases (case_id)",
]

#: Indexes only queries need: a rebuild creates them after the last batch, a sorted bulk build
#: instead of millions of random B-tree inserts.
INDEXES = [
    "CREATE INDEX IF NOT EXISTS v_cases_town ON v_cases (town_code, status)",
    "CREATE INDEX IF NOT EXISTS v_cases_village ON v_cases (village_code, status)",
    "CREATE INDEX IF NOT EXISTS v_cases_status ON v_cases (status, reported_at)",
    "CREATE INDEX IF NOT EXISTS v_cases_reported ON v_cases (reported_at)",
    "CREATE INDEX IF NOT EXISTS v_deadlines_due ON v_deadlines (due_at) WHERE met_at IS NULL AND cancelled_at IS NULL",
    "CREATE INDEX IF NOT EXISTS v_events_case ON v_events (case_id, seq)",
    "CREATE INDEX IF NOT EXISTS v_parties_id_number ON v_parties (id_number)",
    "CREATE INDEX IF NOT EXISTS v_cases_village_category ON v_cases (village_code, category, reported_at)",
    "CREATE INDEX IF NOT EXISTS v_events_actor ON v_events (actor_id, recorded_at)",
    # The cases behind a cell, and the facts of reopened cases a span might count twice.
    "CREATE INDEX IF NOT EXISTS v_facts_cell ON v_facts (kind, day)",
    "CREATE INDEX IF NOT EXISTS v_facts_repeat ON v_facts (day) WHERE life > 1",
    "CREATE INDEX IF NOT EXISTS v_counts_town ON v_counts (town_code, day)",
    "CREATE INDEX IF NOT EXISTS v_counts_county ON v_counts (county_code, day)",
    "CREATE INDEX IF NOT EXISTS v_counts_category ON v_counts (category, day)",
    # Covering: a table's whole months are read from the index alone.
    "CREATE INDEX IF NOT EXISTS v_counts_month_town ON v_counts_month (town_code, month, village_code, kind, court_diversion, n, total)",
    "CREATE INDEX IF NOT EXISTS v_counts_month_county ON v_counts_month (county_code, month, town_code, kind, court_diversion, n, total)",
    "CREATE INDEX IF NOT EXISTS v_regions_parent ON v_regions (parent_code)",
    # Court filings counted by domicile, kind and filing date (万人成讼率, 无讼村), and listed. A
    # county holds nearly every row, so its count reads most of a span whichever index it takes;
    # v_court_county_counts holds every column that count needs (defendant domicile, the
    # default), so the rows are counted from the index alone instead of looked up one by one.
    # With a plaintiff domicile a county's count reads v_court_filed and the rows.
    "CREATE INDEX IF NOT EXISTS v_court_defendant_town ON v_court_cases (defendant_town, kind, filed_on)",
    "CREATE INDEX IF NOT EXISTS v_court_defendant_village ON v_court_cases (defendant_village, kind, filed_on)",
    "CREATE INDEX IF NOT EXISTS v_court_plaintiff_town ON v_court_cases (plaintiff_town, kind, filed_on)",
    "CREATE INDEX IF NOT EXISTS v_court_plaintiff_village ON v_court_cases (plaintiff_village, kind, filed_on)",
    "CREATE INDEX IF NOT EXISTS v_court_filed ON v_court_cases (filed_on, kind)",
    "CREATE INDEX IF NOT EXISTS v_court_county_counts ON v_court_cases "
    "(defendant_county, kind, filed_on, plaintiff_is_financial, category, defendant_town)",
]

#: How the projection itself is doing, kept apart from TABLES: these are never dropped with the
#: views, so a change of VIEWS_VERSION neither loses nor needs them. One row each at most.
#: v_failure: the event the projection last failed on (cleared in the same transaction as the
#: tracking position that moves past it). v_progress: when the position last moved, and when a
#: runner last found the views caught up with the store (the heartbeat of an idle follower).
HEALTH_TABLES = {
    "v_failure": """
        position BIGINT PRIMARY KEY, case_id TEXT, version INTEGER, topic TEXT, error TEXT,
        message TEXT, first_seen TEXT, last_seen TEXT, attempts INTEGER""",
    "v_progress": "name TEXT PRIMARY KEY, position BIGINT, moved_at TEXT, caught_up_at TEXT",
}

"""A metric input no export column provided reads "not provided" in the account review,
never a compliance or margin computed from empty values."""

from __future__ import annotations

import duckdb
from fixture_warehouse import DQ, MONTH, RUN_ID, build_warehouse
from pdf_text import pdf_text

from kam.report import render_one_account


def test_first_response_and_cost_not_provided_say_so(tmp_path):
    warehouse = build_warehouse(tmp_path / "kam.duckdb")
    with duckdb.connect(str(warehouse)) as con:
        con.execute("alter table audit.load_manifest add column columns_not_provided VARCHAR")
        con.execute("update audit.load_manifest set columns_not_provided = "
                    "case table_name when 'tickets' then 'first_response_at' "
                    "when 'orders' then 'cost' end")
    rendered = render_one_account(warehouse, month=MONTH, account_id="ACC-1", out_dir=tmp_path,
                                  run_id=RUN_ID, locale="en", dq_status=DQ)
    text = pdf_text(tmp_path / rendered.path)
    assert "First-response SLA compliance not provided" in text
    assert "Median first response not provided" in text
    assert "First response within target" not in text
    assert "Median resolution not provided" not in text  # resolved_at was provided
    # the KPI grid lays labels above values: "... Gross margin Orders / +20.0% not provided 14"
    assert "+20.0% not provided 14" in text and "no cost column in the orders export" in text
    assert "margin coverage" not in text
    assert "Tickets opened" in text  # the rest of the section stays


def test_a_column_one_of_two_files_provides_is_provided(tmp_path):
    warehouse = build_warehouse(tmp_path / "kam.duckdb")
    with duckdb.connect(str(warehouse)) as con:
        con.execute("alter table audit.load_manifest add column columns_not_provided VARCHAR")
        con.execute("update audit.load_manifest set columns_not_provided = 'first_response_at'"
                    " where table_name = 'tickets'")
        con.execute("insert into audit.load_manifest values (?, 'tickets', 'tickets_2.csv', "
                    "'x', 1, true, 'canonical', null, null)", [RUN_ID])
    rendered = render_one_account(warehouse, month=MONTH, account_id="ACC-1", out_dir=tmp_path,
                                  run_id=RUN_ID, locale="en", dq_status=DQ)
    assert "First-response SLA compliance not provided" not in pdf_text(
        tmp_path / rendered.path)

"""Write all eight canonical files for one synthetic export."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kam.errors import UsageError
from kam.generate.arrow import write_table
from kam.generate.contracts import make_contracts
from kam.generate.fx import make_rates, rates_table
from kam.generate.interactions import make_interactions
from kam.generate.orders import make_orders
from kam.generate.parties import make_parties
from kam.generate.surveys import make_surveys
from kam.generate.tickets import make_tickets
from kam.generate.window import Window
from kam.month import Month

# One independent random stream per part, so tuning one part leaves the others unchanged.
STREAMS = ("parties", "fx", "orders", "tickets", "surveys", "interactions", "contracts")


def generate_export(out_dir: Path, *, accounts: int = 300, months: int = 36, seed: int = 42,
                    end_month: Month | None = None) -> dict[str, int]:
    """Write the export to `out_dir` and return the number of data rows per file name.

    The same arguments give byte-identical files; only a missing `end_month` reads the
    clock (it defaults to the last complete month in UTC).
    """
    if accounts < 1:
        raise UsageError(f"accounts must be at least 1, got {accounts}")
    if seed < 0:
        raise UsageError(f"seed must not be negative, got {seed}")
    window = Window(end_month or Month.last_complete(), months)
    rng = {name: np.random.default_rng([seed, i]) for i, name in enumerate(STREAMS)}

    parties = make_parties(rng["parties"], window, accounts, seed)
    rates = make_rates(rng["fx"], window)
    ticket_columns, ticket_facts = make_tickets(rng["tickets"], window, parties)
    orders = make_orders(rng["orders"], window, parties, rates)
    tables = {
        "accounts": parties.accounts,
        "account_managers": parties.managers,
        "orders": orders,
        "tickets": ticket_columns,
        "surveys": make_surveys(rng["surveys"], window, parties, ticket_facts),
        "interactions": make_interactions(rng["interactions"], window, parties),
        "contracts": make_contracts(rng["contracts"], window, parties, orders),
        "fx_rates": rates_table(window, rates),
    }
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return {f"{name}.csv": write_table(out_dir, name, columns)
            for name, columns in tables.items()}

"""The smallest export that lands: one account, its manager and one order, in the
canonical layout; tests add or replace files to make it hostile."""

from __future__ import annotations

from pathlib import Path

ACCOUNTS = "account_id,account_name,account_manager_id,created_at\nA1,Acme,M1,2025-01-02\n"
MANAGERS = "manager_id,name,email\nM1,Ann,ann@example.com\n"
ORDERS = "order_id,account_id,order_date,amount,currency\nO1,A1,2026-01-02,10.00,USD\n"


def export(folder: Path, **files: str) -> Path:
    """Write the export into `folder`; `files` (name=content) add files or replace these."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in {"accounts.csv": ACCOUNTS, "account_managers.csv": MANAGERS,
                          "orders.csv": ORDERS, **files}.items():
        (folder / name).write_text(content)
    return folder

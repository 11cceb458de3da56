"""A second hand-made export for contracts, lifecycle, cross-sell, themes and the warning's
back-test; every expected figure in test_deeper_marts.py is worked out by hand from it.

M = 2026-10, last day 2026-10-31; T12M = 2025-11..2026-10. Orders are all in EUR, so EUR
is the reporting currency; one contract is in USD (rate 0.9 in 2025-11). Tiers are set by
override so that peer groups are known: R1..R7 (Retail), KE (Energy) and P0 (Retail, no
orders) are key, S9 is the only strategic account, every other account is standard.
Interactions exist (one call in October for CA, CB, CD and nothing else), so health is
the engagement score alone for the contract accounts: CB and CD green (100), CC red (0).
"""

from __future__ import annotations

from decimal import Decimal as D


def _account(account_id, override, industry="Retail", created_at="2024-01-01"):
    return {"account_id": account_id, "account_name": f"Account {account_id}",
            "industry": industry, "region": "EMEA", "country": "DE",
            "account_manager_id": "M1" if account_id < "L" else "M2",
            "created_at": created_at, "status": "active", "tier_override": override}


def _order(order_id, account_id, order_date, amount, product_line=None):
    return {"order_id": order_id, "account_id": account_id, "order_date": order_date,
            "amount": D(amount), "cost": None, "currency": "EUR", "status": None,
            "quantity": 1.0, "product_line": product_line}


def _contract(contract_id, account_id, start_date, end_date, committed_value, currency="EUR",
              status=None, renewal_of=None, signed_date=None):
    return {"contract_id": contract_id, "account_id": account_id, "start_date": start_date,
            "end_date": end_date, "committed_value": D(committed_value), "currency": currency,
            "status": status, "renewal_of": renewal_of, "signed_date": signed_date}


WHITESPACE_ACCOUNTS = [
    *[_account(f"R{n}", "key") for n in range(1, 8)],
    _account("KE", "key", industry="Energy"),
    _account("P0", "key"),  # no orders: still gets rows from its peers
    _account("S9", "strategic"),  # the only strategic account: too few peers, no rows
]
OTHER_ACCOUNTS = [
    _account(account_id, "standard")
    for account_id in ("CA", "CB", "CC", "CD", "CE", "B1", "T1",
                       "L1", "L2", "L3", "L4", "L5", "L6")
] + [_account("L7", "standard", created_at="2026-10-20")]  # new in M

# Product lines bought in T12M (all on 2026-05-10); R1 buys only A.
LINES = {
    "R1": {"A": "100"},
    "R2": {"A": "100", "B": "10", "C": "10", "Zeta": "50", "alpha": "50"},
    "R3": {"A": "100", "B": "30", "C": "20", "Zeta": "50", "alpha": "50"},
    "R4": {"A": "100", "B": "20", "C": "30", "Zeta": "50", "alpha": "50"},
    "R5": {"A": "100", "C": "40"},
    "R6": {"A": "100", "C": "50", "D": "5"},
    "R7": {"A": "100", "D": "5"},
    "KE": {"E": "100"},
    "S9": {"A": "100"},
}
WHITESPACE_ORDERS = [
    _order(f"W-{account_id}-{line}", account_id, "2026-05-10", amount, line)
    for account_id, lines in LINES.items() for line, amount in lines.items()
]

OTHER_ORDERS = [
    # CA: contracts K1 (from 2026-01-01) and K2 (from 2026-10-31)
    _order("O-CA-1", "CA", "2025-12-31", "5000"),  # the day before K1 starts
    _order("O-CA-2", "CA", "2026-02-01", "20000"),
    _order("O-CA-3", "CA", "2026-10-31", "4320"),  # the last day of M counts
    _order("O-CA-4", "CA", "2026-11-01", "9999"),  # after M: ignored
    _order("O-CB-1", "CB", "2026-04-01", "500"),
    # lifecycle
    _order("O-L2-1", "L2", "2025-11-01", "100"),  # first order on the first day of T12M
    _order("O-L3-1", "L3", "2025-10-31", "100"),  # first order the day before T12M
    _order("O-L3-2", "L3", "2026-06-01", "100"),
    _order("O-L4-1", "L4", "2025-01-10", "500"),  # the earliest completed order
    _order("O-L4-2", "L4", "2026-03-01", "-50"),  # T12M holds a refund only
    _order("O-L5-1", "L5", "2025-06-01", "100"),
    _order("O-L6-1", "L6", "2025-03-10", "1000"),
    _order("O-L6-2", "L6", "2026-03-10", "800"),  # exactly 0.80 of the year before
    # back-test: three monthly orders, then nothing
    _order("O-B1-1", "B1", "2025-01-15", "100"),
    _order("O-B1-2", "B1", "2025-02-15", "100"),
    _order("O-B1-3", "B1", "2025-03-15", "100"),
]

CONTRACTS = [
    # in force on 2026-10-31
    _contract("K1", "CA", "2026-01-01", "2026-12-31", "36500"),
    _contract("K2", "CA", "2026-10-31", "2027-10-30", "3650"),  # starts on M's last day
    _contract("K3", "CB", "2025-11-01", "2026-10-31", "1000", currency="USD"),  # ends on it
    _contract("K5", "CC", "2026-02-01", "2027-01-29", "3630"),  # due on day 90
    _contract("K6", "CD", "2026-02-02", "2027-01-30", "3630"),  # day 91: not due
    _contract("K7", "CC", "2026-01-01", "2026-12-31", "1460"),  # renewed by K8
    _contract("K9", "CD", "2025-12-01", "2026-11-30", "730"),
    _contract("K12", "CC", "2026-01-01", "2026-12-15", "349", renewal_of="K12"),  # itself
    # starts after M but signed in M: exists, can be due, not in force
    _contract("K4", "CB", "2026-11-01", "2027-01-15", "750", renewal_of="K3",
              signed_date="2026-10-15"),
    # another account's contract renewing K7, signed before the end of M
    _contract("K8", "CE", "2027-01-01", "2027-12-31", "1500", renewal_of="K7",
              signed_date="2026-09-01"),
    # signed after M: does not exist for M, so K9 is not renewed by it
    _contract("K10", "CD", "2026-12-01", "2027-11-30", "730", renewal_of="K9",
              signed_date="2026-11-15"),
    # cancelled: counts nowhere, neither as a contract due nor as K9's renewal
    _contract("K11", "CC", "2026-01-01", "2026-11-15", "100", status="Cancelled",
              renewal_of="K9"),
]

FX_RATES = [{"month": "2025-11", "currency": "USD", "rate_to_reporting": D("0.9")}]

INTERACTIONS = [
    {"interaction_id": f"I-{account_id}", "account_id": account_id,
     "occurred_at": "2026-10-15 10:00:00", "interaction_type": "call", "manager_id": "M1"}
    for account_id in ("CA", "CB", "CD")
]

MANAGERS = [
    {"manager_id": "M1", "name": "Mei Lin", "email": "mei@example.com", "locale": "zh-CN"},
    {"manager_id": "M2", "name": "Max Roe", "email": "max@example.com", "locale": "en"},
]


def _survey(response_id, submitted_at, survey_type, score, comment):
    return {"response_id": response_id, "account_id": "T1", "submitted_at": submitted_at,
            "survey_type": survey_type, "score": score, "comment": comment}


def _ticket(ticket_id, opened_at, category, subject):
    return {"ticket_id": ticket_id, "account_id": "T1", "priority": "normal",
            "opened_at": opened_at, "first_response_at": None, "resolved_at": None,
            "category": category, "status": "open", "subject": subject}


# Texts of T1 (T12M = [2025-11-01 00:00, 2026-11-01 00:00)), against the seed lexicon.
SURVEYS = [
    _survey("S-1", "2026-05-01 10:00:00", "NPS", 3, "这批货quality太差"),  # en next to zh
    _survey("S-2", "2026-06-01 10:00:00", "CSAT", 2, "The latest update is great"),  # not late
    _survey("S-3", "2026-07-01 10:00:00", "CES", 5, "上个月的发票一直没收到"),  # zh inside
    _survey("S-4", "2026-08-01 10:00:00", "NPS", 9,
            "Shipment was DELAYED but the account manager helped"),
    _survey("S-5", "2025-10-31 23:59:59", "NPS", 2, "price too high"),  # before T12M
    _survey("S-6", "2026-10-20 10:00:00", "CSAT", 1, "Invoices wrong, price increase not agreed"),
]
TICKETS = [
    _ticket("K-1", "2026-09-10 09:00:00", "complaint", "物流delay严重"),
    _ticket("K-2", "2026-11-01 00:00:00", "request", "Invoice copy needed"),  # after M
    _ticket("K-3", "2025-11-01 00:00:00", "incident", "Re-delay of order 42"),  # first instant
    _ticket("K-4", "2026-09-11 09:00:00", "complaint", "  "),  # blank subject
]

DEEPER_EXPORT = {
    "accounts": WHITESPACE_ACCOUNTS + OTHER_ACCOUNTS,
    "account_managers": MANAGERS,
    "orders": WHITESPACE_ORDERS + OTHER_ORDERS,
    "contracts": CONTRACTS,
    "fx_rates": FX_RATES,
    "interactions": INTERACTIONS,
    "surveys": SURVEYS,
    "tickets": TICKETS,
}

"""A tiny hand-made CRM export; every expected figure in the tests is computed by hand.

Reporting month M = 2026-10; T12M = 2025-11..2026-10; M-1 T12M = 2025-10..2026-09;
M-12 T12M = 2024-11..2025-10. Reporting currency: EUR, the only currency fx_rates lists
at rate 1 every month (orders come in EUR and USD, none configured).

T12M revenue as of M (EUR): ACC-1 2600 (1700 + 1000 - 100 refund), ACC-2 300 and ACC-3
300 (a tie: 375 USD x 0.8), ACC-6 60, ACC-4 40, ACC-7 0, ACC-8 -50; positive total 3300.
"""

from __future__ import annotations

from decimal import Decimal as D


def _account(account_id, created_at, manager="M1", override=None, status="active"):
    return {
        "account_id": account_id,
        "account_name": f"Account {account_id[-1]}",
        "industry": "Retail",
        "region": "EMEA",
        "country": "DE",
        "account_manager_id": manager,
        "created_at": created_at,
        "status": status,
        "tier_override": override,
    }


def _order(order_id, account_id, order_date, amount, cost=None, currency="EUR", status=None):
    return {
        "order_id": order_id,
        "account_id": account_id,
        "order_date": order_date,
        "amount": D(amount),
        "cost": None if cost is None else D(cost),
        "currency": currency,
        "status": status,
        "quantity": 1.0,
    }


ACCOUNTS = [
    _account("ACC-1", "2025-01-01"),
    _account("ACC-2", "2025-01-01", manager="M2"),
    _account("ACC-3", "2025-01-01"),
    _account("ACC-4", "2025-01-01", override=" Strategic ", status="Inactive"),
    _account("ACC-5", "2026-11-05"),  # created after M: does not exist for M
    _account("ACC-6", "2026-10-15"),  # created in M: tier_change new
    _account("ACC-7", "2025-01-01"),  # no orders at all
    _account("ACC-8", "2025-01-01"),  # negative T12M revenue
]

MANAGERS = [
    {"manager_id": "M1", "name": "Mei Lin", "email": "mei@example.com", "locale": "zh-CN"},
    {"manager_id": "M2", "name": "Max Roe", "email": "max@example.com", "locale": ""},
]

ORDERS = [
    _order("O-01", "ACC-1", "2025-06-01", "2000", "1000"),  # T12M as of M-12
    _order("O-02", "ACC-1", "2026-03-10", "1700"),  # unknown cost
    _order("O-03", "ACC-1", "2026-10-05", "1000", "600"),
    _order("O-04", "ACC-1", "2026-10-20", "-100", "-60"),  # refund, completed
    _order("O-05", "ACC-1", "2026-11-03", "9999", "1"),  # after M: ignored
    _order("O-06", "ACC-2", "2026-05-01", "300", "200", status="Completed"),
    _order("O-07", "ACC-2", "2026-10-10", "5000", "100", status="cancelled"),
    _order("O-08", "ACC-3", "2026-08-15", "375", "250", currency="USD"),  # 300 / 200 EUR
    _order("O-09", "ACC-3", "2025-10-15", "100", "50", currency="usd"),  # 90 / 45 EUR
    _order("O-10", "ACC-4", "2026-02-01", "40", "50"),  # negative margin
    _order("O-11", "ACC-5", "2026-11-10", "500", "100"),
    _order("O-12", "ACC-6", "2026-10-20", "60"),
    _order("O-13", "ACC-8", "2025-03-01", "300", "100"),  # first month of the data
    _order("O-14", "ACC-8", "2026-04-01", "-50"),
    _order("O-15", "ACC-2", "2026-10-11", "7777", "1"),  # quarantined in this run
]

FX_RATES = [
    {"month": month, "currency": currency, "rate_to_reporting": D(rate)}
    for month, usd in (("2025-10", "0.9"), ("2026-08", "0.8"), ("2026-09", "0.85"))
    for currency, rate in (("EUR", "1"), ("USD", usd))
]

# O-15 (line 16 of orders.csv) is rejected in this run; O-06 (line 7) was rejected by an
# earlier run only, so it counts.
QUARANTINE = [
    {"run_id": "test", "table_name": "orders", "row_key": "O-15",
     "source_file": "orders.csv", "source_line": 16, "reason": "test"},
    {"run_id": "earlier", "table_name": "orders", "row_key": "O-06",
     "source_file": "orders.csv", "source_line": 7, "reason": "test"},
]

PHASE1_EXPORT = {
    "accounts": ACCOUNTS,
    "account_managers": MANAGERS,
    "orders": ORDERS,
    "fx_rates": FX_RATES,
    "quarantine": QUARANTINE,
}


def _survey(response_id, account_id, submitted_at, survey_type, score, comment=None):
    return {"response_id": response_id, "account_id": account_id,
            "submitted_at": submitted_at, "survey_type": survey_type, "score": score,
            "comment": comment}


# T12M window for surveys: [2025-11-01 00:00, 2026-11-01 00:00).
SURVEYS = [
    _survey("S-01", "ACC-1", "2026-10-05 10:00:00", "NPS", 10, "Great support"),  # also month M
    _survey("S-02", "ACC-1", "2026-06-01 10:00:00", "nps", 9),
    _survey("S-03", "ACC-1", "2026-01-01 10:00:00", "NPS", 7),  # passive
    _survey("S-04", "ACC-1", "2025-12-01 10:00:00", "NPS", 3),
    _survey("S-05", "ACC-1", "2025-10-31 23:59:59", "NPS", 0),  # before T12M
    _survey("S-06", "ACC-1", "2026-11-01 00:00:00", "NPS", 0, "After M"),  # after M
    _survey("S-07", "ACC-1", "2026-10-10 10:00:00", "CSAT", 4, "Call me on +49 30 1234567"),
    _survey("S-08", "ACC-1", "2026-09-01 10:00:00", "CSAT", 3, "Slow delivery"),
    _survey("S-09", "ACC-1", "2026-03-03 10:00:00", "CSAT", 5, "Older comment"),  # 4th newest
    _survey("S-10", "ACC-1", "2026-10-01 00:00:00", "CES", 2, "   "),  # blank comment
    _survey("S-11", "ACC-1", "2026-02-01 10:00:00", "CES", 5),
    _survey("S-12", "ACC-3", "2026-10-02 10:00:00", "NPS", 6),  # one detractor: -100
]


def _ticket(ticket_id, account_id, priority, opened_at, first_response_at=None,
            resolved_at=None, category="request"):
    return {"ticket_id": ticket_id, "account_id": account_id, "priority": priority,
            "opened_at": opened_at, "first_response_at": first_response_at,
            "resolved_at": resolved_at, "category": category, "status": "closed"}


# ACC-1 is strategic in every month involved, ACC-2 key in 2026-09, ACC-7 standard.
TICKETS = [
    # urgent, 0.5 h <= 1 h: met; resolved after 4 h
    _ticket("K-1", "ACC-1", "urgent", "2026-10-01 09:00:00", "2026-10-01 09:30:00",
            "2026-10-01 13:00:00", category="complaint"),
    # high, 6 h > 4 h: missed; resolved after M, so open at the end of M
    _ticket("K-2", "ACC-1", "High", "2026-10-10 10:00:00", "2026-10-10 16:00:00",
            "2026-11-02 00:00:00", category="incident"),
    # normal, no response, 8 h target ends 2026-11-01 04:00: pending, open
    _ticket("K-3", "ACC-1", "normal", "2026-10-31 20:00:00"),
    # low, 2 h <= 24 h: met; resolved after 24 h (T12M only)
    _ticket("K-4", "ACC-1", "low", "2026-09-15 08:00:00", "2026-09-15 10:00:00",
            "2026-09-16 08:00:00", category="complaint"),
    # before T12M and never resolved: open at the end of M, outside both windows
    _ticket("K-5", "ACC-1", "urgent", "2025-10-20 08:00:00"),
    # high on a key account in 2026-09 (8 h target): 6 h is met; strategic (4 h) would miss
    _ticket("K-6", "ACC-2", "high", "2026-09-20 12:00:00", "2026-09-20 18:00:00",
            "2026-09-21 12:00:00"),
    # standard normal, exactly 48 h: met; resolved after 72 h
    _ticket("K-7", "ACC-7", "normal", "2026-10-03 00:00:00", "2026-10-05 00:00:00",
            "2026-10-06 00:00:00"),
]


def _interaction(interaction_id, account_id, occurred_at, interaction_type):
    return {"interaction_id": interaction_id, "account_id": account_id,
            "occurred_at": occurred_at, "interaction_type": interaction_type,
            "manager_id": "M1"}


# The 90 days to the end of 2026-10: [2026-08-03 00:00, 2026-11-01 00:00).
INTERACTIONS = [
    _interaction("I-01", "ACC-1", "2026-08-02 23:00:00", "visit"),  # before the 90 days
    _interaction("I-02", "ACC-1", "2026-08-03 00:00:00", "call"),
    _interaction("I-03", "ACC-1", "2026-09-10 10:00:00", "email"),
    _interaction("I-04", "ACC-1", "2026-10-30 10:00:00", "Business_Review"),
    _interaction("I-05", "ACC-1", "2026-11-01 09:00:00", "meeting"),  # after M
    _interaction("I-06", "ACC-2", "2026-07-01 10:00:00", "meeting"),
    _interaction("I-07", "ACC-7", "2026-10-15 10:00:00", "call"),
    _interaction("I-08", "ACC-7", "2026-10-16 10:00:00", "call"),
]

FULL_EXPORT = {
    **PHASE1_EXPORT,
    "surveys": SURVEYS,
    "tickets": TICKETS,
    "interactions": INTERACTIONS,
}

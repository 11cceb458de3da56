"""Support tickets whose first response slows down when the manager's queue is long."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kam.generate.arrow import id_column, id_width, label_column, timestamp_column
from kam.generate.parties import Parties
from kam.generate.window import (
    SECONDS_PER_DAY,
    Window,
    active_days,
    office_seconds,
    scatter_events,
)

PRIORITIES = ["urgent", "high", "normal", "low"]
PRIORITY_SHARE = [0.07, 0.2, 0.5, 0.23]
FIRST_RESPONSE_MEDIAN_HOURS = np.array([0.8, 3.0, 8.0, 20.0])
RESOLUTION_MEDIAN_HOURS = np.array([6.0, 24.0, 72.0, 120.0])
CATEGORIES = ["complaint", "incident", "request", "other"]
CATEGORY_SHARE = [0.12, 0.33, 0.45, 0.1]
STATUSES = ["open", "resolved", "closed"]
CLOSED_AFTER_DAYS = 7  # a resolved ticket is closed once the customer has not reopened it
# Subject lines by category, (English, Chinese), as customers and agents type them.
SUBJECTS = {
    "complaint": (["Delivery delayed again", "Invoice amount is wrong",
                   "Defective units in last shipment", "Price increase not agreed",
                   "No reply from support for a week", "Account manager never calls back"],
                  ["发货又延误了", "发票金额有误", "上批货有质量问题", "涨价没有提前沟通",
                   "客服一周没有回复", "客户经理联系不上"]),
    "incident": (["Integration with our ERP fails", "Dashboard not loading",
                  "Shipment arrived damaged", "Export to Excel broken"],
                 ["与ERP的接口报错", "报表打不开", "到货包装破损", "导出功能异常"]),
    "request": (["Please send a copy of the invoice", "Quote for additional licences",
                 "Feature request: bulk upload", "Training for new users"],
                ["请补开发票", "请提供追加报价", "希望增加批量导入功能", "新员工培训安排"]),
    "other": (["Change of billing address", "Question about the contract",
               "Meeting request"],
              ["变更开票地址", "合同条款咨询", "预约拜访"]),
}


@dataclass(frozen=True)
class TicketFacts:
    """What surveys need to know about tickets: who, when resolved, how well served."""

    account: np.ndarray
    resolved_at: np.ndarray  # seconds; valid where `resolved`
    resolved: np.ndarray
    slowness: np.ndarray  # log of first-response time over its priority's median
    account_slowness: np.ndarray  # per account mean slowness, 0 without tickets


def make_tickets(rng: np.random.Generator, window: Window, parties: Parties):
    lo, hi, share = active_days(window, parties.created_day, parties.churn_day)
    expected = (0.05 + 0.2 * parties.size[:, None] ** 0.4) * share
    account, month, day = scatter_events(rng, expected, lo, hi)
    opened = day * SECONDS_PER_DAY + office_seconds(rng, day.size)
    order = np.lexsort((account, opened))
    account, month, opened = account[order], month[order], opened[order]
    n = account.size

    priority = rng.choice(len(PRIORITIES), n, p=PRIORITY_SHARE)
    category = rng.choice(len(CATEGORIES), n, p=CATEGORY_SHARE)
    load = _manager_load(parties.manager[account], month, window.months)
    # the manager's queue that month, plus a team culture per account, drive response time
    account_care = rng.lognormal(0.0, 0.3, parties.size.size)[account]
    response_hours = (FIRST_RESPONSE_MEDIAN_HOURS[priority] * load**1.3 * account_care
                      * rng.lognormal(0.0, 0.7, n))
    never_answered = rng.random(n) < np.where(load > 1.5, 0.08, 0.02)
    stuck = rng.random(n) < 0.04  # answered but never resolved
    resolution_hours = response_hours + RESOLUTION_MEDIAN_HOURS[priority] * rng.lognormal(
        0.0, 0.8, n)

    first_response = opened + np.rint(response_hours * 3600).astype(np.int64)
    resolved_at = opened + np.rint(resolution_hours * 3600).astype(np.int64)
    end = window.end_day * SECONDS_PER_DAY
    answered = ~never_answered & (first_response < end)
    resolved = answered & ~stuck & (resolved_at < end)
    closed = resolved & (resolved_at < end - CLOSED_AFTER_DAYS * SECONDS_PER_DAY)
    status = np.where(closed, 2, np.where(resolved, 1, 0))

    slowness = np.log(response_hours / FIRST_RESPONSE_MEDIAN_HOURS[priority])
    slowness = np.where(never_answered, np.log(6.0), slowness)
    count = np.bincount(account, minlength=parties.size.size)
    account_slowness = np.bincount(account, slowness, parties.size.size) / np.maximum(count, 1)

    subject = _subjects(rng, category, parties.chinese[account])
    columns = {
        "ticket_id": id_column("TCK-", np.arange(1, n + 1), id_width(n, 7)),
        "account_id": label_column(parties.account_ids, account),
        "opened_at": timestamp_column(opened),
        "first_response_at": timestamp_column(first_response, answered),
        "resolved_at": timestamp_column(resolved_at, resolved),
        "priority": label_column(PRIORITIES, priority),
        "category": label_column(CATEGORIES, category),
        "status": label_column(STATUSES, status),
        "subject": subject,
    }
    facts = TicketFacts(account, resolved_at, resolved, slowness, account_slowness)
    return columns, facts


def _subjects(rng, category: np.ndarray, chinese: np.ndarray):
    """A subject line per ticket, in Chinese for Chinese accounts; about 1 in 10 is blank
    (drawn after everything else, so the other columns do not depend on it)."""
    labels, offsets = [], []
    for name in CATEGORIES:
        offsets.append(len(labels))
        labels += [*SUBJECTS[name][0], *SUBJECTS[name][1]]
    sizes = np.array([len(SUBJECTS[name][0]) for name in CATEGORIES])
    pick = (rng.random(category.size) * sizes[category]).astype(np.int64)
    index = np.array(offsets)[category] + chinese.astype(np.int64) * sizes[category] + pick
    return label_column(labels, index, rng.random(category.size) >= 0.1)


def _manager_load(manager: np.ndarray, month: np.ndarray, months: int) -> np.ndarray:
    """Each ticket's manager-month ticket count relative to the typical manager-month."""
    cell = manager * months + month
    per_cell = np.bincount(cell)
    typical = np.median(per_cell[per_cell > 0]) if cell.size else 1.0
    return np.clip(per_cell[cell] / typical, 0.5, 4.0)

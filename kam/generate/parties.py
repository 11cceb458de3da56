"""Accounts and their account managers: who buys, how much, where, since when, until when."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from faker import Faker

from kam.generate.arrow import date_column, id_width, label_column
from kam.generate.window import Window

# (country, region, team, share of accounts, share billed in EUR, share billed in CNY)
COUNTRIES = [
    ("US", "North America", "North America", 0.40, 0.0, 0.0),
    ("CA", "North America", "North America", 0.06, 0.0, 0.0),
    ("GB", "Europe", "EMEA", 0.07, 0.0, 0.0),
    ("DE", "Europe", "EMEA", 0.07, 0.85, 0.0),
    ("FR", "Europe", "EMEA", 0.05, 0.85, 0.0),
    ("NL", "Europe", "EMEA", 0.03, 0.85, 0.0),
    ("JP", "APAC", "APAC", 0.04, 0.0, 0.0),
    ("SG", "APAC", "APAC", 0.03, 0.0, 0.0),
    ("AU", "APAC", "APAC", 0.05, 0.0, 0.0),
    ("CN", "China", "Greater China", 0.20, 0.0, 0.85),
]
TEAMS = ["North America", "EMEA", "APAC", "Greater China"]
CURRENCIES = ["USD", "EUR", "CNY"]
INDUSTRIES = ["Manufacturing", "Retail", "Healthcare", "Financial Services", "Technology",
              "Logistics", "Energy", "Education"]
INDUSTRY_WEIGHTS = [0.22, 0.15, 0.12, 0.12, 0.16, 0.1, 0.07, 0.06]
TIER_OVERRIDES = ["strategic", "key", "standard"]

# Faker's zh_CN names and romanisations are independent draws, so the Greater China
# team's names come from this small table to keep 王芳 <-> fang.wang@example.com aligned.
CN_SURNAMES = [("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"),
               ("杨", "Yang"), ("赵", "Zhao"), ("黄", "Huang"), ("周", "Zhou"), ("吴", "Wu"),
               ("徐", "Xu"), ("孙", "Sun"), ("马", "Ma"), ("朱", "Zhu"), ("胡", "Hu")]
CN_GIVEN = [("芳", "Fang"), ("伟", "Wei"), ("娜", "Na"), ("敏", "Min"), ("静", "Jing"),
            ("磊", "Lei"), ("洋", "Yang"), ("艳", "Yan"), ("勇", "Yong"), ("杰", "Jie"),
            ("婷", "Ting"), ("涛", "Tao"), ("明", "Ming"), ("超", "Chao"), ("秀英", "Xiuying"),
            ("建华", "Jianhua"), ("志强", "Zhiqiang"), ("丽娟", "Lijuan"), ("海燕", "Haiyan"),
            ("晓东", "Xiaodong")]

ACCOUNTS_PER_MANAGER = 25
SIZE_SIGMA = 2.3  # lognormal spread of account size: a few accounts carry most revenue


@dataclass(frozen=True)
class Parties:
    """Per-account arrays the activity generators draw from, plus the two finished tables."""

    account_ids: list[str]
    manager_ids: list[str]
    size: np.ndarray  # relative size, lognormal (median 1)
    manager: np.ndarray  # index into manager_ids
    currency: np.ndarray  # index into CURRENCIES
    industry: np.ndarray  # index into INDUSTRIES
    chinese: np.ndarray  # bool
    created_day: np.ndarray
    churn_day: np.ndarray  # first day without activity; window.end_day if not churned
    accounts: dict[str, pa.Array]
    managers: dict[str, pa.Array]


def make_parties(rng: np.random.Generator, window: Window, count: int, seed: int) -> Parties:
    country = rng.choice(len(COUNTRIES), count, p=[c[3] for c in COUNTRIES])
    chinese = country == len(COUNTRIES) - 1
    currency = _currencies(rng, country)
    log_size = np.clip(rng.normal(0.0, SIZE_SIGMA, count), -3 * SIZE_SIGMA, 3 * SIZE_SIGMA)
    size = np.exp(log_size)
    created_day = _created_days(rng, window, count)
    churn_day, inactive = _churn(rng, window, created_day, size)
    team = np.array([TEAMS.index(COUNTRIES[c][2]) for c in range(len(COUNTRIES))])[country]
    manager, manager_team = _assign_managers(rng, team, count)

    width = id_width(count, 5)
    account_ids = [f"ACC-{i:0{width}d}" for i in range(1, count + 1)]
    manager_ids = [f"AM-{i:0{id_width(len(manager_team), 3)}d}" for i in
                   range(1, len(manager_team) + 1)]
    override = np.zeros(count, dtype=bool)
    override[rng.choice(count, min(count, max(3, round(count / 100))), replace=False)] = True

    en, zh = Faker("en_US"), Faker("zh_CN")
    en.seed_instance(seed)
    zh.seed_instance(seed)
    names = [zh.company() if is_cn else en.company() for is_cn in chinese]
    industry = rng.choice(len(INDUSTRIES), count, p=INDUSTRY_WEIGHTS)
    accounts = {
        "account_id": pa.array(account_ids),
        "account_name": pa.array(names),
        "industry": label_column(INDUSTRIES, industry),
        "region": pa.array([COUNTRIES[c][1] for c in country]),
        "country": pa.array([COUNTRIES[c][0] for c in country]),
        "account_manager_id": label_column(manager_ids, manager),
        "created_at": date_column(created_day),
        "status": label_column(["active", "inactive"], inactive.astype(np.int64)),
        "tier_override": label_column(TIER_OVERRIDES, rng.integers(0, 3, count), override),
    }
    return Parties(
        account_ids=account_ids, manager_ids=manager_ids, size=size, manager=manager,
        currency=currency, industry=industry, chinese=chinese, created_day=created_day,
        churn_day=churn_day,
        accounts=accounts, managers=_manager_table(rng, manager_ids, manager_team, en),
    )


def _currencies(rng, country):
    eur = np.array([c[4] for c in COUNTRIES])[country]
    cny = np.array([c[5] for c in COUNTRIES])[country]
    draw = rng.random(country.size)
    return np.where(draw < eur, 1, np.where(draw < cny, 2, 0))


def _created_days(rng, window: Window, count: int) -> np.ndarray:
    """60% were customers before the window opened; the rest join during it."""
    before = window.start_day - rng.integers(1, 6 * 365, count)
    last_join = max(window.start_day + 1, window.end_day - 30)
    during = rng.integers(window.start_day, last_join, count)
    return np.where(rng.random(count) < 0.6, before, during)


def _churn(rng, window: Window, created_day, size):
    """Small accounts churn more often; the CRM marks most of them inactive after 60 days."""
    p_churn = np.clip(0.2 - 0.04 * np.log(size), 0.03, 0.4)
    earliest = np.maximum(created_day, window.start_day) + 90
    can_churn = earliest < window.end_day - 1
    churns = can_churn & (rng.random(size.size) < p_churn)
    span = np.maximum(window.end_day - earliest, 1)
    churn_day = np.where(churns, earliest + (rng.random(size.size) * span).astype(np.int64),
                         window.end_day)
    noticed = churn_day < window.end_day - 60
    inactive = churns & noticed & (rng.random(size.size) < 0.7)
    return churn_day, inactive


def _assign_managers(rng, team, count):
    """About one manager per 25 accounts per team (at least 3 overall), unevenly loaded."""
    per_team = np.bincount(team, minlength=len(TEAMS))
    managers = np.where(per_team > 0, np.maximum(1, np.rint(per_team / ACCOUNTS_PER_MANAGER)), 0)
    while managers.sum() < 3:
        managers[np.argmax(per_team / np.maximum(managers, 1))] += 1
    manager_team = np.repeat(np.arange(len(TEAMS)), managers.astype(np.int64))
    manager = np.empty(count, dtype=np.int64)
    for t in np.flatnonzero(per_team):
        members = np.flatnonzero(manager_team == t)
        weights = rng.dirichlet(np.full(members.size, 3.0))
        manager[team == t] = rng.choice(members, per_team[t], p=weights)
    return manager, manager_team


def _manager_table(rng, manager_ids, manager_team, en: Faker) -> dict[str, pa.Array]:
    names, emails, seen = [], [], set()
    for t in manager_team:
        if TEAMS[t] == "Greater China":
            surname = CN_SURNAMES[rng.integers(len(CN_SURNAMES))]
            given = CN_GIVEN[rng.integers(len(CN_GIVEN))]
            name, first, last = surname[0] + given[0], given[1], surname[1]
        else:
            first, last = en.first_name(), en.last_name()
            name = f"{first} {last}"
        emails.append(_unique_email(f"{_ascii(first)}.{_ascii(last)}", seen))
        names.append(name)
    return {
        "manager_id": pa.array(manager_ids),
        "name": pa.array(names),
        "email": pa.array(emails),
        "team": label_column(TEAMS, manager_team),
        "locale": pa.array(["zh-CN" if TEAMS[t] == "Greater China" else "en"
                            for t in manager_team]),
    }


def _ascii(part: str) -> str:
    folded = unicodedata.normalize("NFKD", part).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", folded.lower())


def _unique_email(local: str, seen: set[str]) -> str:
    candidate, n = local, 1
    while candidate in seen:
        n += 1
        candidate = f"{local}{n}"
    seen.add(candidate)
    return f"{candidate}@example.com"

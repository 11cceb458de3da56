"""Deliver a published month by e-mail: one message per account manager, their PDFs attached.

Reads `<month>/manifest.json` (README.md, Outputs) for the account reviews and who manages each
account, and the managers' names and addresses from `marts.account_review`. Everything is
checked (files present, sha256 as listed, every manager known with an address) before the
first message leaves, so a failed check sends nothing.

Modes: `smtp` sends over one SMTP connection; `outbox` writes `<outbox>/<month>/<manager>.eml`
files instead, byte-identical for the same inputs (no Date header, fixed MIME boundary,
Message-ID derived from the run id); a manager id becomes a file name only through
`kam.fileio.confined_file`, so no id writes outside the outbox.

SMTP never sends a message twice for the same run: each accepted message is recorded in a
ledger (`OUT/_delivered/<month>.json`, keyed by run id and manager) before the next one
goes, and a repeated delivery (a retry, a rerun after a crash) sends only the managers not
in it. A failure another attempt may fix (connection refused or dropped, a 4xx reply) is a
TransientError, which the flow's delivery task retries. The connection is encrypted with
STARTTLS (default) or implicit TLS (`security = "tls"`, port 465); a login over an
unencrypted connection is refused.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import smtplib
import ssl
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Any, Literal

import duckdb
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from kam.errors import PipelineError, TransientError, UsageError
from kam.fileio import confined_file, distinct_file_stems, sha256_file, write_atomic
from kam.month import Month
from kam.publish import MANIFEST_NAME
from kam.settings import DeliveryMode


class SmtpSettings(BaseSettings):
    """SMTP connection, from KAM_SMTP_* variables (KAM_SMTP_HOST, ..., KAM_SMTP_FROM_ADDRESS)."""

    model_config = SettingsConfigDict(env_prefix="KAM_SMTP_", extra="ignore")

    host: str = "localhost"
    port: int = 587
    user: str | None = None
    password: SecretStr | None = None
    from_address: str = "key-accounts@localhost"
    # starttls: upgrade a plain connection (port 587); tls: encrypted from the first byte
    # (port 465); none: unencrypted, only without a login (a relay on the local network).
    security: Literal["starttls", "tls", "none"] = "starttls"
    ca_file: Path | None = None  # trust a company CA for TLS; default: system store
    timeout_seconds: float = 30.0


@dataclass(frozen=True)
class Manager:
    manager_id: str
    name: str
    email: str


@dataclass(frozen=True)
class DeliveryRecord:
    """One message: to whom, which accounts' reviews, and where it went."""

    manager_id: str
    manager_email: str
    account_ids: tuple[str, ...]
    attachments: tuple[str, ...]  # paths relative to the month folder
    mode: DeliveryMode
    destination: str  # the .eml file, or host:port of the SMTP server


@dataclass(frozen=True)
class _Review:
    path: str
    account_id: str
    manager_id: str | None
    tier: str | None
    sha256: str


def deliver(month_dir: Path, warehouse: Path, *, mode: DeliveryMode,
            outbox_dir: Path | None = None,
            smtp: SmtpSettings | None = None,
            ledger: Path | None = None,
            after_each: Callable[[DeliveryRecord], None] | None = None,
            ) -> list[DeliveryRecord]:
    """Send (or write to the outbox) one message per manager with their accounts' PDFs.

    Returns the messages sent by this call; with SMTP, those the ledger (default
    `<month_dir>/../_delivered/<month>.json`) lists as sent for this run are skipped.
    `after_each` is called after every message sent or written.
    """
    if mode not in ("smtp", "outbox"):
        raise UsageError(f"unknown delivery mode {mode!r}", hint="use smtp or outbox")
    if mode == "outbox" and outbox_dir is None:
        raise UsageError("outbox delivery needs an outbox folder")
    month_dir = Path(month_dir)
    manifest = _read_manifest(month_dir)
    month, run_id = manifest["month"], manifest["run_id"]
    reviews = _account_reviews(month_dir, manifest)
    managers, manager_of = _managers(warehouse, month)
    by_manager: dict[str, list[_Review]] = defaultdict(list)
    for review in reviews:
        manager_id = review.manager_id or manager_of.get(review.account_id)
        if manager_id not in managers:
            raise PipelineError(
                f"deliver: manager {manager_id} of {review.account_id} is not in "
                f"marts.account_review for {month}",
                hint="re-run the month so the warehouse and the manifest agree")
        by_manager[manager_id].append(review)

    settings = smtp or SmtpSettings()
    if mode == "smtp" and settings.user and settings.security == "none":
        raise UsageError(
            f"refusing to send the SMTP password for {settings.user} unencrypted",
            hint="set KAM_SMTP_SECURITY=starttls or tls (port 465)")
    messages = [
        (managers[m], sorted(by_manager[m], key=lambda r: r.account_id),
         _message(month_dir, month, run_id, managers[m], by_manager[m], settings.from_address))
        for m in sorted(by_manager)
    ]
    if mode == "outbox":
        return _write_outbox(Path(outbox_dir) / month, messages,  # type: ignore[arg-type]
                             after_each)
    ledger = Path(ledger) if ledger else month_dir.parent / "_delivered" / f"{month}.json"
    return _send(settings, messages, _Ledger(ledger, run_id), after_each)


def _read_manifest(month_dir: Path) -> dict[str, Any]:
    path = month_dir / MANIFEST_NAME
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise PipelineError(f"deliver: {path} does not exist",
                            hint="publish the month first (kam run)") from exc


def _account_reviews(month_dir: Path, manifest: dict[str, Any]) -> list[_Review]:
    reviews = []
    for entry in manifest.get("files", []):
        if entry.get("kind") != "account_review":
            continue
        path = month_dir / entry["path"]
        if not path.is_file():
            raise PipelineError(f"deliver: {path} is listed in the manifest but missing",
                                hint="re-publish the month")
        if sha256_file(path) != entry["sha256"]:
            raise PipelineError(f"deliver: {path} differs from its sha256 in the manifest",
                                hint="the file changed after publishing; re-publish the month")
        reviews.append(_Review(entry["path"], entry["account_id"], entry.get("manager_id"),
                               entry.get("tier"), entry["sha256"]))
    return reviews


def _managers(warehouse: Path, month: str) -> tuple[dict[str, Manager], dict[str, str]]:
    """Managers of the month, and each account's manager (for manifest rows without one)."""
    if not Path(warehouse).is_file():
        raise PipelineError(f"deliver: warehouse {warehouse} does not exist",
                            hint="run the month first (kam run)")
    first_day = Month.parse(month).first_day
    # read-only: delivery may run while another process holds the warehouse for reading
    with contextlib.closing(duckdb.connect(str(warehouse), read_only=True)) as con:
        found = con.execute(
            "select distinct account_id, manager_id, manager_name, manager_email "
            "from marts.account_review where month = ?", [first_day]).fetchall()
    managers: dict[str, Manager] = {}
    for _, manager_id, name, email in found:
        if manager_id is None:
            continue
        if not email:
            raise PipelineError(f"deliver: manager {manager_id} has no e-mail address",
                                hint="fill account_managers.csv email and re-run the month")
        managers[manager_id] = Manager(manager_id, name or manager_id, email)
    return managers, {account: manager for account, manager, _, _ in found}


def _message(month_dir: Path, month: str, run_id: str, manager: Manager,
             reviews: list[_Review], from_address: str) -> EmailMessage:
    reviews = sorted(reviews, key=lambda r: r.account_id)
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = from_address
    message["To"] = Address(display_name=manager.name, addr_spec=manager.email)
    message["Subject"] = f"Key account reviews {month}: {len(reviews)} account(s)"
    message["Message-ID"] = f"<{run_id}.{manager.manager_id}@kam>"
    lines = [f"Hello {manager.name},", "",
             f"Attached are the monthly key account reviews for {month}:", ""]
    lines += [f"  - {r.account_id} ({r.tier or 'tier not stated'})" for r in reviews]
    lines += ["", f"Run {run_id}. This message was sent by the key account review pipeline."]
    message.set_content("\n".join(lines) + "\n")
    for review in reviews:
        message.add_attachment((month_dir / review.path).read_bytes(), maintype="application",
                               subtype="pdf", filename=Path(review.path).name)
    # a fixed boundary (random by default) keeps outbox files byte-identical across runs
    digest = hashlib.sha256("".join(r.sha256 for r in reviews).encode()).hexdigest()[:32]
    message.set_boundary(f"kam-{digest}")
    return message


def _record(manager: Manager, reviews: list[_Review], mode: DeliveryMode,
            destination: str) -> DeliveryRecord:
    return DeliveryRecord(manager.manager_id, manager.email,
                          tuple(r.account_id for r in reviews),
                          tuple(r.path for r in reviews), mode, destination)


def _write_outbox(folder: Path, messages, after_each) -> list[DeliveryRecord]:
    distinct_file_stems((manager.manager_id for manager, _, _ in messages), "manager")
    folder.mkdir(parents=True, exist_ok=True)
    records = []
    for manager, reviews, message in messages:
        path = confined_file(folder, manager.manager_id, ".eml")
        write_atomic(path, message.as_bytes())
        records.append(_record(manager, reviews, "outbox", str(path)))
        if after_each:
            after_each(records[-1])
    return records


class _Ledger:
    """Which managers have been sent this run's message (a JSON file, rewritten atomically
    after every message). A ledger of another run is ignored: new results are news."""

    def __init__(self, path: Path, run_id: str):
        self.path, self.run_id = path, run_id
        try:
            found = json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            found = {}
        self.sent: dict[str, dict[str, str]] = (
            found.get("sent", {}) if found.get("run_id") == run_id else {})

    def add(self, manager: Manager, message_id: str) -> None:
        self.sent[manager.manager_id] = {"to": manager.email, "message_id": message_id}
        body = {"run_id": self.run_id, "sent": self.sent}
        write_atomic(self.path, (json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False)
                                 + "\n").encode("utf-8"))


def _transient(exc: BaseException) -> bool:
    """Would a later attempt likely succeed? 4xx replies, dropped or refused connections;
    not 5xx replies, failed logins or untrusted certificates."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True
    return isinstance(exc, OSError) and not isinstance(exc, (smtplib.SMTPException,
                                                             ssl.SSLError))


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    cafile = str(settings.ca_file) if settings.ca_file else None
    if settings.security == "tls":
        return smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout_seconds,
                                context=ssl.create_default_context(cafile=cafile))
    server = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds)
    try:
        if settings.security == "starttls":
            server.starttls(context=ssl.create_default_context(cafile=cafile))
    except BaseException:
        server.close()
        raise
    return server


def _send(settings: SmtpSettings, messages, ledger: _Ledger,
          after_each) -> list[DeliveryRecord]:
    destination = f"{settings.host}:{settings.port}"
    pending = [m for m in messages if m[0].manager_id not in ledger.sent]
    done = len(messages) - len(pending)
    records: list[DeliveryRecord] = []
    if not pending:
        return records
    try:
        with _connect(settings) as server:
            if settings.user:
                password = settings.password.get_secret_value() if settings.password else ""
                server.login(settings.user, password)
            for manager, reviews, message in pending:
                message["Date"] = formatdate(usegmt=True)
                server.send_message(message)
                ledger.add(manager, message["Message-ID"])
                records.append(_record(manager, reviews, "smtp", destination))
                if after_each:
                    after_each(records[-1])
    except (smtplib.SMTPException, OSError) as exc:
        error = TransientError if _transient(exc) else PipelineError
        raise error(
            f"deliver: SMTP {destination} failed after {done + len(records)} of "
            f"{len(messages)} messages: {exc}",
            hint="check the KAM_SMTP_* settings and the server; a repeated delivery sends "
                 "only the messages not yet sent") from exc
    return records

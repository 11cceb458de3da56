"""E-mail delivery: each manager gets exactly one message with exactly their accounts' PDFs."""

from __future__ import annotations

import hashlib
import json
import pickle
import ssl
from datetime import date
from email import message_from_bytes, policy
from pathlib import Path

import duckdb
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from loopback import free_port

from flows.monthly_review import _io_failure
from kam.deliver import SmtpSettings, deliver
from kam.errors import PipelineError, TransientError, UsageError

MONTH = "2026-10"
# account -> (manager, manager name, e-mail, tier); ACC-4 is standard, so it has no PDF
ACCOUNTS = {
    "ACC-1": ("AM-001", "Alice Smith", "alice.smith@example.com", "strategic"),
    "ACC-2": ("AM-001", "Alice Smith", "alice.smith@example.com", "key"),
    "ACC-3": ("AM-002", "王芳", "fang.wang@example.com", "strategic"),
    "ACC-4": ("AM-003", "Bob Jones", "bob.jones@example.com", "standard"),
}


def pdf_bytes(account_id: str) -> bytes:
    return f"%PDF-1.7\n% review of {account_id}\n%%EOF\n".encode()


@pytest.fixture
def month_dir(tmp_path) -> Path:
    return write_month(tmp_path / "output" / MONTH, ACCOUNTS)


def write_month(folder: Path, accounts: dict) -> Path:
    (folder / "accounts").mkdir(parents=True)
    files = []
    for account_id, (manager_id, _, _, tier) in accounts.items():
        if tier == "standard":
            continue
        path = folder / "accounts" / f"{account_id}.pdf"
        path.write_bytes(pdf_bytes(account_id))
        files.append({"path": f"accounts/{account_id}.pdf", "kind": "account_review",
                      "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                      "account_id": account_id, "manager_id": manager_id, "tier": tier})
    (folder / "portfolio.pdf").write_bytes(b"%PDF-1.7 portfolio")
    files.append({"path": "portfolio.pdf", "kind": "portfolio",
                  "sha256": hashlib.sha256(b"%PDF-1.7 portfolio").hexdigest()})
    manifest = {"month": MONTH, "run_id": "run-abc", "files": files,
                "validation": {"success": True, "run_id": "run-abc"}}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


@pytest.fixture
def warehouse(tmp_path) -> Path:
    return write_warehouse(tmp_path / "kam.duckdb", ACCOUNTS)


def write_warehouse(path: Path, accounts: dict) -> Path:
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute("create table marts.account_review (account_id varchar, month date, "
                "manager_id varchar, manager_name varchar, manager_email varchar)")
    for account_id, (manager_id, name, email, _) in accounts.items():
        con.execute("insert into marts.account_review values (?, ?, ?, ?, ?)",
                    [account_id, date(2026, 10, 1), manager_id, name, email])
    # last month AM-001 had another address: only the delivered month's row counts
    con.execute("insert into marts.account_review values "
                "('ACC-1', '2026-09-01', 'AM-001', 'Alice Smith', 'old@example.com')")
    con.close()
    return path


def attachments(message) -> dict[str, bytes]:
    return {part.get_filename(): part.get_content() for part in message.iter_attachments()}


def test_outbox_writes_one_deterministic_message_per_manager(month_dir, warehouse, tmp_path):
    outbox = tmp_path / "outbox"
    records = deliver(month_dir, warehouse, mode="outbox", outbox_dir=outbox)

    assert [(r.manager_id, r.account_ids) for r in records] == [
        ("AM-001", ("ACC-1", "ACC-2")), ("AM-002", ("ACC-3",))]
    assert sorted(p.name for p in (outbox / MONTH).iterdir()) == ["AM-001.eml", "AM-002.eml"]
    first = (outbox / MONTH / "AM-001.eml").read_bytes()
    alice = message_from_bytes(first, policy=policy.default)
    assert alice["To"].addresses[0].addr_spec == "alice.smith@example.com"
    assert alice["Date"] is None
    assert alice["Message-ID"] == "<run-abc.AM-001@kam>"
    assert attachments(alice) == {"ACC-1.pdf": pdf_bytes("ACC-1"),
                                  "ACC-2.pdf": pdf_bytes("ACC-2")}
    fang = message_from_bytes((outbox / MONTH / "AM-002.eml").read_bytes(),
                              policy=policy.default)
    assert str(fang["To"]) == "王芳 <fang.wang@example.com>"
    assert attachments(fang) == {"ACC-3.pdf": pdf_bytes("ACC-3")}

    deliver(month_dir, warehouse, mode="outbox", outbox_dir=outbox)
    assert (outbox / MONTH / "AM-001.eml").read_bytes() == first


class Inbox:
    """aiosmtpd handler that keeps every accepted envelope."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret", handled=False)

    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(),
                            authenticator=authenticator, auth_require_tls=False)
    controller.start()
    try:
        yield controller, inbox, logins
    finally:
        controller.stop()


def test_smtp_sends_each_manager_exactly_their_accounts(month_dir, warehouse, smtp_server):
    controller, inbox, logins = smtp_server
    settings = SmtpSettings(host=controller.hostname, port=controller.port,
                            from_address="reviews@example.com", security="none")

    records = deliver(month_dir, warehouse, mode="smtp", smtp=settings)

    assert logins == []
    assert [r.destination for r in records] == [f"127.0.0.1:{controller.port}"] * 2
    received = {tuple(e.rcpt_tos): message_from_bytes(e.content, policy=policy.default)
                for e in inbox.envelopes}
    assert sorted(received) == [("alice.smith@example.com",), ("fang.wang@example.com",)]
    assert all(e.mail_from == "reviews@example.com" for e in inbox.envelopes)
    alice = received[("alice.smith@example.com",)]
    assert set(attachments(alice)) == {"ACC-1.pdf", "ACC-2.pdf"}
    assert attachments(received[("fang.wang@example.com",)]) == {"ACC-3.pdf": pdf_bytes("ACC-3")}
    assert alice["Date"] is not None


def test_smtp_failure_names_the_server(month_dir, warehouse, smtp_server):
    controller, inbox, _ = smtp_server
    closed_port = free_port()
    settings = SmtpSettings(host=controller.hostname, port=closed_port, security="none")
    with pytest.raises(PipelineError, match=f"127.0.0.1:{closed_port} failed after 0 of 2"):
        deliver(month_dir, warehouse, mode="smtp", smtp=settings)
    assert inbox.envelopes == []


def test_a_changed_pdf_stops_delivery_before_anything_is_written(month_dir, warehouse,
                                                                 tmp_path):
    (month_dir / "accounts" / "ACC-3.pdf").write_bytes(b"%PDF-1.7 tampered")
    with pytest.raises(PipelineError, match="ACC-3.pdf differs from its sha256"):
        deliver(month_dir, warehouse, mode="outbox", outbox_dir=tmp_path / "outbox")
    assert not (tmp_path / "outbox").exists()


def test_a_manager_missing_from_the_warehouse_is_an_error(month_dir, warehouse, tmp_path):
    con = duckdb.connect(str(warehouse))
    con.execute("delete from marts.account_review where manager_id = 'AM-002'")
    con.close()
    with pytest.raises(PipelineError, match="manager AM-002 of ACC-3"):
        deliver(month_dir, warehouse, mode="outbox", outbox_dir=tmp_path / "outbox")


def test_manifest_rows_without_manager_use_the_warehouse(month_dir, warehouse, tmp_path):
    manifest_path = month_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        entry.pop("manager_id", None)
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    records = deliver(month_dir, warehouse, mode="outbox", outbox_dir=tmp_path / "outbox")
    assert {r.manager_id: r.account_ids for r in records} == {
        "AM-001": ("ACC-1", "ACC-2"), "AM-002": ("ACC-3",)}


def test_outbox_mode_needs_a_folder(month_dir, warehouse):
    with pytest.raises(UsageError):
        deliver(month_dir, warehouse, mode="outbox")


def test_settings_come_from_kam_smtp_variables(monkeypatch):
    monkeypatch.setenv("KAM_SMTP_HOST", "mail.example.com")
    monkeypatch.setenv("KAM_SMTP_PORT", "2525")
    monkeypatch.setenv("KAM_SMTP_SECURITY", "tls")
    monkeypatch.setenv("KAM_SMTP_PASSWORD", "from-env")
    settings = SmtpSettings()
    assert (settings.host, settings.port, settings.security) == ("mail.example.com", 2525, "tls")
    assert settings.password.get_secret_value() == "from-env"
    assert "from-env" not in repr(settings)


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that also serves as its own CA file."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_starttls_upgrades_before_login_and_verifies_the_server(month_dir, warehouse, tmp_path):
    import ssl

    cert_path, key_path = self_signed_certificate(tmp_path)
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert_path, key_path)
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(),
                            tls_context=server_tls, require_starttls=True)
    controller.start()
    try:
        settings = SmtpSettings(host="127.0.0.1", port=controller.port, ca_file=cert_path)
        records = deliver(month_dir, warehouse, mode="smtp", smtp=settings)
        assert len(inbox.envelopes) == len(records) == 2

        untrusted = SmtpSettings(host="127.0.0.1", port=controller.port, timeout_seconds=5)
        with pytest.raises(PipelineError, match="CERTIFICATE_VERIFY_FAILED") as caught:
            deliver(month_dir, warehouse, mode="smtp", smtp=untrusted,
                    ledger=tmp_path / "fresh-ledger.json")
        # retrying would not help
        assert not isinstance(caught.value, TransientError)
        assert _io_failure(None, None, _FailedState(caught.value)) is False
        assert len(inbox.envelopes) == 2
    finally:
        controller.stop()


def test_implicit_tls_logs_in_only_inside_the_encrypted_connection(month_dir, warehouse,
                                                                   tmp_path):
    cert_path, key_path = self_signed_certificate(tmp_path)
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert_path, key_path)
    inbox, logins = Inbox(), []

    def authenticator(server, session, envelope, mechanism, auth_data):
        encrypted = server.transport.get_extra_info("cipher") is not None
        logins.append((auth_data.login, auth_data.password, encrypted))
        return AuthResult(success=auth_data.password == b"s3cret", handled=False)

    # ssl_context: TLS from the first byte, as on port 465 (aiosmtpd's AUTH-needs-TLS check
    # knows STARTTLS only, so the authenticator checks the encryption itself)
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(),
                            ssl_context=server_tls, authenticator=authenticator,
                            auth_require_tls=False)
    controller.start()
    try:
        settings = SmtpSettings(host="127.0.0.1", port=controller.port, security="tls",
                                ca_file=cert_path, user="kam", password="s3cret")
        records = deliver(month_dir, warehouse, mode="smtp", smtp=settings)
    finally:
        controller.stop()
    assert len(inbox.envelopes) == len(records) == 2
    assert logins == [(b"kam", b"s3cret", True)]


def test_a_login_without_encryption_is_refused_before_connecting(month_dir, warehouse,
                                                                 smtp_server):
    controller, inbox, logins = smtp_server
    settings = SmtpSettings(host=controller.hostname, port=controller.port, user="kam",
                            password="s3cret", security="none")
    with pytest.raises(UsageError, match="unencrypted"):
        deliver(month_dir, warehouse, mode="smtp", smtp=settings)
    assert logins == [] and inbox.envelopes == []


class TryLaterOnce(Inbox):
    """Accepts the first message, answers 451 ("try again later") to the second once."""

    def __init__(self):
        super().__init__()
        self.refused = 0

    async def handle_DATA(self, server, session, envelope):
        if len(self.envelopes) == 1 and not self.refused:
            self.refused += 1
            return "451 4.3.0 try again later"
        return await super().handle_DATA(server, session, envelope)


def test_a_repeated_delivery_sends_only_what_was_not_sent(month_dir, warehouse):
    inbox = TryLaterOnce()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        settings = SmtpSettings(host="127.0.0.1", port=controller.port, security="none")
        with pytest.raises(TransientError, match="failed after 1 of 2"):
            deliver(month_dir, warehouse, mode="smtp", smtp=settings)
        second = deliver(month_dir, warehouse, mode="smtp", smtp=settings)
        third = deliver(month_dir, warehouse, mode="smtp", smtp=settings)
    finally:
        controller.stop()
    assert [r.manager_id for r in second] == ["AM-002"] and third == []
    assert sorted(e.rcpt_tos[0] for e in inbox.envelopes) == [
        "alice.smith@example.com", "fang.wang@example.com"]  # each exactly once
    ledger = json.loads((month_dir.parent / "_delivered" / f"{MONTH}.json").read_text())
    assert ledger["run_id"] == "run-abc" and sorted(ledger["sent"]) == ["AM-001", "AM-002"]


class _FailedState:
    """What a Prefect task run's state hands the retry condition: its stored exception."""

    def __init__(self, exc: BaseException):
        self.exc = exc

    def result(self):
        raise self.exc


def test_a_refused_connection_is_retried_also_after_the_failure_was_pickled(month_dir,
                                                                            warehouse):
    settings = SmtpSettings(host="127.0.0.1", port=free_port(), security="none")
    with pytest.raises(PipelineError) as caught:
        deliver(month_dir, warehouse, mode="smtp", smtp=settings)
    # A persisted task failure is pickled, and plain pickling drops the
    # ConnectionRefusedError cause. tblib (which Dask installs process-wide once a
    # cluster ran) keeps it, so drop it here to test the case without it.
    stored = pickle.loads(pickle.dumps(caught.value))
    stored.__cause__ = None
    assert _io_failure(None, None, _FailedState(stored)) is True


def test_a_permanent_refusal_is_not_retried(month_dir, warehouse):
    class Refuse(Inbox):
        async def handle_DATA(self, server, session, envelope):
            return "554 5.7.1 rejected"

    controller = Controller(Refuse(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        settings = SmtpSettings(host="127.0.0.1", port=controller.port, security="none")
        with pytest.raises(PipelineError, match="rejected") as caught:
            deliver(month_dir, warehouse, mode="smtp", smtp=settings)
    finally:
        controller.stop()
    assert _io_failure(None, None, _FailedState(caught.value)) is False


def test_a_manager_id_never_leads_the_outbox_elsewhere(tmp_path):
    accounts = {"ACC-1": ("../../../escaped", "Eve", "eve@example.com", "key"),
                "ACC-2": ("AM-1", "Ann", "ann@example.com", "key")}
    month_dir = write_month(tmp_path / "output" / MONTH, accounts)
    warehouse = write_warehouse(tmp_path / "kam.duckdb", accounts)
    outbox = tmp_path / "deep" / "er" / "outbox"

    records = deliver(month_dir, warehouse, mode="outbox", outbox_dir=outbox)

    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.eml"))
    escaped = next(r.destination for r in records if r.manager_id == "../../../escaped")
    assert written == sorted(
        ["deep/er/outbox/2026-10/AM-1.eml", Path(escaped).relative_to(tmp_path).as_posix()])
    assert Path(escaped).parent == outbox / MONTH


def test_managers_whose_outbox_files_would_be_one_are_an_error(tmp_path):
    accounts = {"ACC-1": ("AM-1", "Ann", "ann@example.com", "key"),
                "ACC-2": ("am-1", "Al", "al@example.com", "key")}
    month_dir = write_month(tmp_path / "output" / MONTH, accounts)
    warehouse = write_warehouse(tmp_path / "kam.duckdb", accounts)
    with pytest.raises(PipelineError, match="manager ids 'AM-1' and 'am-1' would share"):
        deliver(month_dir, warehouse, mode="outbox", outbox_dir=tmp_path / "outbox")
    assert not (tmp_path / "outbox" / MONTH).exists() or not any(
        (tmp_path / "outbox" / MONTH).iterdir())

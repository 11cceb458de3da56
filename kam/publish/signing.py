"""Ed25519 signatures of the month's manifest.

The manifest lists every published file with its sha256, so signing it signs them all. The
signature is written beside it as `manifest.json.sig` (the 64 raw signature bytes, the form
`openssl pkeyutl -verify -rawin` reads); it is not listed in the manifest, which cannot
contain its own signature. Ed25519 signatures are deterministic: the same manifest and key
give the same bytes, so a rerun stays byte-identical.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key
from prefect.blocks.system import Secret

from kam.errors import UsageError
from kam.fileio import write_atomic

SIGNATURE_SUFFIX = ".sig"


def signature_path(manifest_path: Path) -> Path:
    return manifest_path.with_name(manifest_path.name + SIGNATURE_SUFFIX)


def private_key_pem(key_file: Path | None, secret_block: str | None) -> bytes | None:
    """The signing key's PEM from a file or a Prefect Secret block; None when neither is set."""
    if key_file is not None:
        try:
            return Path(key_file).read_bytes()
        except OSError as exc:
            raise UsageError(f"signing key {key_file}: {exc.strerror}") from exc
    if secret_block:
        try:
            secret = Secret.load(secret_block)
        except ValueError as exc:  # Prefect's answer when no block has that name
            raise UsageError(
                f"signing key: no Prefect Secret block named {secret_block!r}",
                hint="create it (prefect block create secret, or Secret(value=PEM)"
                f".save({secret_block!r})) or unset signing_key_secret",
            ) from exc
        return str(secret.get()).encode("utf-8")
    return None


def _private_key(pem: bytes, where: str) -> Ed25519PrivateKey:
    try:
        key = load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"{where} is not an unencrypted PEM private key: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise UsageError(f"{where} is not an Ed25519 key")
    return key


def sign_manifest(manifest_path: Path, pem: bytes, *, where: str = "signing key") -> Path:
    """Write `manifest.json.sig` beside the manifest."""
    signature = _private_key(pem, where).sign(Path(manifest_path).read_bytes())
    path = signature_path(Path(manifest_path))
    write_atomic(path, signature)
    return path


def public_key(path: Path) -> Ed25519PublicKey:
    try:
        key = load_pem_public_key(Path(path).read_bytes())
    except (OSError, ValueError) as exc:
        raise UsageError(f"public key {path} cannot be read as a PEM public key: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise UsageError(f"public key {path} is not an Ed25519 key")
    return key


def signature_matches(manifest_path: Path, key: Ed25519PublicKey) -> bool:
    try:
        key.verify(signature_path(manifest_path).read_bytes(), manifest_path.read_bytes())
    except InvalidSignature:
        return False
    return True

"""The organization's signing key and PAdES signatures (pyHanko).

At first use a demo certificate authority and one certificate per organization are
generated into ``<DATA_DIR>/signing/`` (private keys with mode 0600; never committed).
Production replaces the files with the organization's real certificate (e.g. from LGPKI)
and key: ``<slug>.key.pem`` and ``<slug>.cert.pem``, plus ``ca.cert.pem`` for the chain.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import io
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from django.conf import settings

_lock = threading.Lock()
T = TypeVar("T")


def signing_dir() -> Path:
    return Path(getattr(settings, "MADOGUCHI_SIGNING_DIR", "") or settings.DATA_DIR / "signing")


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def _write_public(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _name(org_name: str, common_name: str):
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org_name[:64]),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]),
        ]
    )


def _key_usage(*, ca: bool):
    from cryptography import x509

    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=not ca,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _ensure_ca(directory: Path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key_path, cert_path = directory / "ca.key.pem", directory / "ca.cert.pem"
    if key_path.exists() and cert_path.exists():
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        return key, x509.load_pem_x509_certificate(cert_path.read_bytes())
    now = dt.datetime.now(dt.UTC)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = _name("Madoguchi Demo", "Madoguchi Demo Root CA (not for production)")
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .sign(key, hashes.SHA256())
    )
    _write_private(
        key_path,
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )
    _write_public(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return key, cert


def ensure_organization_identity(organization) -> tuple[Path, Path, Path]:
    """Paths of (key, certificate, CA certificate) for the organization; created if missing."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    directory = signing_dir()
    key_path = directory / f"{organization.slug}.key.pem"
    cert_path = directory / f"{organization.slug}.cert.pem"
    ca_cert_path = directory / "ca.cert.pem"
    if key_path.exists() and cert_path.exists() and ca_cert_path.exists():
        return key_path, cert_path, ca_cert_path
    with _lock:
        directory.mkdir(parents=True, exist_ok=True)
        os.chmod(directory, 0o700)
        ca_key, ca_cert = _ensure_ca(directory)
        if not (key_path.exists() and cert_path.exists()):
            now = dt.datetime.now(dt.UTC)
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            cert = (
                x509.CertificateBuilder()
                .subject_name(_name(organization.name, f"{organization.name} 電子公印"))
                .issuer_name(ca_cert.subject)
                .public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(days=1))
                .not_valid_after(now + dt.timedelta(days=825))
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(_key_usage(ca=False), critical=True)
                .sign(ca_key, hashes.SHA256())
            )
            _write_private(
                key_path,
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                ),
            )
            _write_public(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path, ca_cert_path


def _outside_event_loop(call: Callable[[], T]) -> T:
    """pyHanko's synchronous ``sign_pdf`` runs ``asyncio.run``, which refuses to start inside a
    running event loop (an async caller; Playwright's loop while the browser tests load the
    demo): there, it runs in a worker thread. The signing touches no database."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return call()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def sign_pdf(*, organization, pdf: bytes, reason: str, location: str = "") -> tuple[bytes, str]:
    """Sign ``pdf`` with the organization's key (PAdES baseline). Returns (bytes, signer subject)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter

    key_path, cert_path, ca_cert_path = ensure_organization_identity(organization)
    signer = signers.SimpleSigner.load(
        key_file=str(key_path), cert_file=str(cert_path), ca_chain_files=(str(ca_cert_path),)
    )
    if signer is None:
        raise RuntimeError("could not load the organization's signing key")
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(
        field_name="OrganizationSeal",
        subfilter=SigSeedSubFilter.PADES,
        reason=reason,
        location=location or organization.name,
        name=organization.name,
    )
    out = _outside_event_loop(lambda: signers.sign_pdf(writer, meta, signer=signer))
    subject = signer.signing_cert.subject.human_friendly
    return out.getvalue(), subject

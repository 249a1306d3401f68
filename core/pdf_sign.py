"""Optional PDF signing with the agency's certificate (SECURITY.md "Printed documents"; pyHanko).

Off unless a certificate is configured (config or environment):

- ``PDF_SIGNING_PKCS12`` — path of a PKCS#12 file (.p12/.pfx) with the key and certificate, or
- ``PDF_SIGNING_KEY`` + ``PDF_SIGNING_CERT`` — paths of a PEM/DER private key and certificate;
- ``PDF_SIGNING_PASSPHRASE`` — the passphrase of either (environment only, never in a file);
- ``PDF_SIGNING_CHAIN`` — optional PEM file(s) (comma-separated) of the issuing CA chain,
  embedded in each signature and trusted by the /verify page;
- ``PDF_SIGNING_LOCATION`` — optional text put in the signature's location field.

``sign_pdf(data)`` is called at one place, ``core.documents.issue_document``, right after the
PDF is rendered and before its SHA-256 is stored: the stored hash is the hash of the signed
bytes, so the serial check and the signature protect the same file. The signature is a PAdES
certification signature (DocMDP "no changes"): any later revision, even a valid incremental
update, is reported as a modification.

``signature_report(data)`` validates the signature of an uploaded file (the /verify page):
signer, signing time, whether the signed bytes are intact, whether the signature covers the
whole file, and whether the signer is the configured certificate (or issued by the configured
chain). It never raises on garbage: an unreadable file reports no signature.
"""
from __future__ import annotations

import functools
import io
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from flask import current_app

log = logging.getLogger(__name__)

FIELD_NAME = "IntegrityArchiveSignature"
REASON = "诚信档案与培训管理系统出具"
class SigningConfigError(RuntimeError):
    """Signing is configured but the key material cannot be loaded (never fall back to unsigned)."""


def _settings() -> tuple:
    cfg = current_app.config
    chain = tuple(p.strip() for p in str(cfg.get("PDF_SIGNING_CHAIN") or "").split(",") if p.strip())
    return (cfg.get("PDF_SIGNING_PKCS12") or None, cfg.get("PDF_SIGNING_KEY") or None,
            cfg.get("PDF_SIGNING_CERT") or None, cfg.get("PDF_SIGNING_PASSPHRASE") or None, chain)


def signing_enabled() -> bool:
    pkcs12, key, cert, _passphrase, _chain = _settings()
    return bool(pkcs12 or (key and cert))


@functools.lru_cache(maxsize=4)
def _signer(pkcs12: str | None, key: str | None, cert: str | None, passphrase: str | None, chain: tuple):
    from pyhanko.keys import load_certs_from_pemder
    from pyhanko.sign import signers
    secret = passphrase.encode() if passphrase else None
    try:
        others = list(load_certs_from_pemder(chain)) if chain else []
        if pkcs12:
            with open(pkcs12, "rb") as fh:
                signer = signers.SimpleSigner.load_pkcs12_data(fh.read(), others, passphrase=secret)
        else:
            signer = signers.SimpleSigner.load(key, cert, ca_chain_files=chain or None, key_passphrase=secret)
    except (OSError, ValueError, TypeError) as exc:
        raise SigningConfigError(f"PDF signing is configured but the key material cannot be loaded: {exc}") from exc
    if signer is None:
        raise SigningConfigError("PDF signing is configured but the key or certificate cannot be loaded")
    return signer, tuple(others)


def current_signer():
    """The configured pyHanko signer, or None when signing is off (raises SigningConfigError when broken)."""
    if not signing_enabled():
        return None
    return _signer(*_settings())[0]


def check_configuration() -> None:
    """Load the key material once (at start-up): a broken configuration fails loudly, not at the first print."""
    current_signer()


#: PDF bytes as rendered: ``bytes``, or a ``memoryview`` of a large merged batch (never copied);
#: sign_pdf gives the same object back unsigned, new bytes signed
Pdf = TypeVar("Pdf", bound=bytes | memoryview)


def sign_pdf(data: Pdf) -> Pdf | bytes:
    """Sign ``data`` when a certificate is configured (new bytes); otherwise return it unchanged."""
    signer = current_signer()
    if signer is None:
        return data
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, reason=REASON, location=current_app.config.get("PDF_SIGNING_LOCATION") or None,
        md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES, certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES)
    writer = IncrementalPdfFileWriter(io.BytesIO(bytes(data)), strict=False)
    out = signers.PdfSigner(meta, signer=signer).sign_pdf(writer)
    return out.getvalue()


# ---- validation (the /verify page) ------------------------------------------------------------

@dataclass
class SignatureReport:
    signer: str                  # the signing certificate's subject
    signed_at: datetime | None   # the signing time the signer reported (no timestamp authority)
    intact: bool                 # the signed byte ranges are unchanged (digest matches)
    valid: bool                  # the cryptographic signature over that digest is good
    whole_file: bool             # the signature covers every byte: nothing appended after signing
    trusted: bool                # signed by the configured certificate or its configured CA chain
    summary: str = ""

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.whole_file and self.trusted


def _trust_roots() -> list:
    if not signing_enabled():
        return []
    signer, chain = _signer(*_settings())
    return [signer.signing_cert, *chain]


def signature_report(data: bytes) -> SignatureReport | None:
    """The last signature of ``data`` validated, or None when the file has none (or is not a PDF)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext
    try:
        reader = PdfFileReader(io.BytesIO(bytes(data)), strict=False)
        signatures = reader.embedded_signatures
    except Exception:  # noqa: BLE001 - any unreadable upload is simply "no signature found"
        return None
    if not signatures:
        return None
    sig = signatures[-1]
    try:
        roots = _trust_roots()
    except SigningConfigError:
        roots = []
    try:
        context = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
        status = validate_pdf_signature(sig, signer_validation_context=context)
    except (SignatureValidationError, ValueError, KeyError, TypeError) as exc:
        log.info("signature validation failed: %s", exc)
        return SignatureReport(signer="", signed_at=None, intact=False, valid=False, whole_file=False,
                               trusted=False, summary=str(exc)[:200])
    except Exception as exc:  # noqa: BLE001 - a malformed signature dictionary: broken, never a 500
        log.info("signature unreadable: %s", exc)
        return SignatureReport(signer="", signed_at=None, intact=False, valid=False, whole_file=False,
                               trusted=False, summary=type(exc).__name__)
    whole = (status.coverage == SignatureCoverageLevel.ENTIRE_FILE and len(signatures) == 1
             and reader.xrefs.total_revisions == sig.signed_revision + 1)
    cert = status.signing_cert
    return SignatureReport(signer=cert.subject.human_friendly if cert is not None else "",
                           signed_at=status.signer_reported_dt, intact=bool(status.intact), valid=bool(status.valid),
                           whole_file=bool(whole), trusted=bool(status.trusted), summary=status.summary())


def drop_signatures(writer) -> None:
    """Remove the signature fields that PDFs merged into a pypdf ``writer`` brought along (a batch).

    A member's signature covers that member's bytes, not the merged file, so in the merged file
    it would only show up as broken; the merged file is signed as a whole when it is issued."""
    from pypdf.generic import ArrayObject, NameObject

    def is_sig(obj) -> bool:
        obj = obj.get_object()
        parent = obj.get("/Parent")
        return obj.get("/FT") == "/Sig" or (parent is not None and parent.get_object().get("/FT") == "/Sig")

    root = writer.root_object
    root.pop(NameObject("/Perms"), None)
    acro = root.get("/AcroForm")
    if acro is not None:
        acro = acro.get_object()
        fields = [f for f in acro.get("/Fields", ArrayObject()) if not is_sig(f)]
        if fields:
            acro[NameObject("/Fields")] = ArrayObject(fields)
        else:
            del root[NameObject("/AcroForm")]
    for page in writer.pages:
        annots = page.get("/Annots")
        if annots is None:
            continue
        kept = [a for a in annots.get_object() if not is_sig(a)]
        if kept:
            page[NameObject("/Annots")] = ArrayObject(kept)
        else:
            del page[NameObject("/Annots")]

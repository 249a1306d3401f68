"""Optional PDF signing with the agency's certificate (SECURITY.md "Printed documents"; core/pdf_sign.py).

A throwaway CA and signing certificate are made here (cryptography x509); the app is
configured with them; files are printed through the real routes; the signatures are checked
with pyHanko's own validation API (not only through our report), and /verify is asked too.
"""
from __future__ import annotations

import hashlib
import io
import re
import zipfile
from datetime import timedelta

import pytest
import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from core import clock
from core.documents import PrintedDocument, find_document
from core.extensions import db

SIGNER_CN = "东营区委组织部（测试签章）"
PASSPHRASE = "测试-passphrase-2026"


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "东营市")])


def _usage(sign_certs: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=not sign_certs, content_commitment=not sign_certs, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=sign_certs, crl_sign=sign_certs,
                         encipher_only=False, decipher_only=False)


def _cert(subject, issuer, public_key, issuer_key, *, ca: bool):
    now = clock.utcnow()
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
            .add_extension(_usage(ca), critical=True)
            .sign(issuer_key, hashes.SHA256()))


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A CA, a signing certificate issued by it, the key (PEM, encrypted) and a PKCS#12 of both."""
    out = tmp_path_factory.mktemp("pki")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _cert(_name("测试根 CA"), _name("测试根 CA"), ca_key.public_key(), ca_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _cert(_name(SIGNER_CN), ca.subject, key.public_key(), ca_key, ca=False)
    other_key = ec.generate_private_key(ec.SECP256R1())     # a stranger's self-made certificate
    stranger = _cert(_name(SIGNER_CN), _name(SIGNER_CN), other_key.public_key(), other_key, ca=False)
    pem = serialization.Encoding.PEM
    files = {"ca": out / "ca.pem", "cert": out / "cert.pem", "key": out / "key.pem", "p12": out / "signer.p12",
             "stranger_cert": out / "stranger.pem", "stranger_key": out / "stranger-key.pem"}
    files["ca"].write_bytes(ca.public_bytes(pem))
    files["cert"].write_bytes(cert.public_bytes(pem))
    files["stranger_cert"].write_bytes(stranger.public_bytes(pem))
    files["key"].write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                               serialization.BestAvailableEncryption(PASSPHRASE.encode())))
    files["stranger_key"].write_bytes(other_key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                                              serialization.NoEncryption()))
    files["p12"].write_bytes(pkcs12.serialize_key_and_certificates(
        b"signer", key, cert, [ca], serialization.BestAvailableEncryption(PASSPHRASE.encode())))
    return {k: str(v) for k, v in files.items()}


@pytest.fixture
def signing(config, pki):
    """Configure signing with the PEM key + certificate + CA chain (passphrase as from the environment)."""
    config(PDF_SIGNING_KEY=pki["key"], PDF_SIGNING_CERT=pki["cert"], PDF_SIGNING_CHAIN=pki["ca"],
           PDF_SIGNING_PASSPHRASE=PASSPHRASE, PDF_SIGNING_PKCS12=None, PDF_SIGNING_LOCATION="山东省东营市")
    return pki


def pyhanko_status(data: bytes, ca_pem: str):
    """pyHanko's own verdict on the (only) signature of ``data``, trusting ``ca_pem``."""
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    assert len(reader.embedded_signatures) == 1
    sig = reader.embedded_signatures[0]
    context = ValidationContext(trust_roots=[load_cert_from_pemder(ca_pem)], allow_fetching=False,
                                revocation_mode="soft-fail")
    return reader, sig, validate_pdf_signature(sig, signer_validation_context=context)


def _print_file(login_as, region):
    resp = login_as(region.hr).get(f"/people/{region.person.id}/file.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    return resp.headers["X-Document-Serial"], resp.data


def _verify(client, serial: str, data: bytes) -> str:
    resp = client.application.test_client().post(f"/verify/{serial}", data={"file": (io.BytesIO(data), "f.pdf")},
                                                   content_type="multipart/form-data")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def _byte_range(data: bytes) -> list[int]:
    m = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", data)
    assert m, "no /ByteRange in the PDF"
    return [int(x) for x in m.groups()]


def test_printed_file_is_signed_and_pyhanko_validates_it(signing, region, login_as, client):
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    serial, data = _print_file(login_as, region)
    _reader, sig, status = pyhanko_status(data, signing["ca"])
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.docmdp_ok is not False
    assert status.signing_cert.subject.native["common_name"] == SIGNER_CN
    assert abs(status.signer_reported_dt - clock.utcnow()) < timedelta(minutes=5)
    assert sig.sig_object["/Location"] == "山东省东营市"
    # the ranges signed are everything but the signature value itself
    a, b, c, d = _byte_range(data)
    assert a == 0 and c + d == len(data)
    # the stored hash is of the final, signed bytes
    doc = find_document(serial)
    assert doc.sha256 == hashlib.sha256(data).hexdigest() and doc.size == len(data)

    html = _verify(client, serial, data)
    assert 'data-verify-result="match"' in html and 'data-signature="valid"' in html
    assert SIGNER_CN in html
    assert all(f'data-signature-{k}="yes"' in html for k in ("intact", "whole", "trusted"))


def test_a_changed_byte_inside_the_signed_range_breaks_the_signature(signing, region, login_as, client):
    serial, data = _print_file(login_as, region)
    a, b, c, d = _byte_range(data)
    changed = bytearray(data)
    pos = b // 2                                          # inside the first signed range, outside /Contents
    assert a <= pos < a + b
    changed[pos] ^= 0x01
    _reader, _sig, status = pyhanko_status(bytes(changed), signing["ca"])
    assert not status.intact and not status.bottom_line
    html = _verify(client, serial, bytes(changed))
    assert 'data-verify-result="mismatch"' in html and "不一致" in html
    assert 'data-signature="valid"' not in html
    # a byte of the second signed range (after the signature value) too
    changed = bytearray(data)
    changed[c + d // 2] ^= 0x01
    html = _verify(client, serial, bytes(changed))
    assert 'data-verify-result="mismatch"' in html and 'data-signature="valid"' not in html


def test_an_incremental_update_after_signing_is_reported_as_modified(signing, region, login_as, client):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    serial, data = _print_file(login_as, region)
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    info = writer.trailer["/Info"].get_object() if "/Info" in writer.trailer else None
    if info is not None:
        info[generic.NameObject("/Title")] = generic.TextStringObject("已修改")
        writer.update_container(info)
    writer.root[generic.NameObject("/Lang")] = generic.TextStringObject("en")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    appended = out.getvalue()
    assert appended.startswith(data) and len(appended) > len(data)

    _reader, _sig, status = pyhanko_status(appended, signing["ca"])
    assert status.intact and status.valid                       # the signed revision itself is untouched ...
    assert status.coverage != SignatureCoverageLevel.ENTIRE_FILE  # ... but it no longer covers the file
    assert status.docmdp_ok is False                              # certified "no changes": a violation
    assert status.modification_level == ModificationLevel.OTHER and not status.bottom_line

    html = _verify(client, serial, appended)
    assert 'data-verify-result="mismatch"' in html and "不一致" in html
    assert 'data-signature="invalid"' in html and 'data-signature-whole="no"' in html
    assert 'data-signature-intact="yes"' in html


def test_a_certificate_that_is_not_the_configured_one_is_not_trusted(signing, config, pki):
    # a stranger signs with their own certificate (same name!); the app trusts only its configured chain
    config(PDF_SIGNING_KEY=pki["stranger_key"], PDF_SIGNING_CERT=pki["stranger_cert"], PDF_SIGNING_CHAIN=None,
           PDF_SIGNING_PASSPHRASE=None)
    from core.pdf_sign import sign_pdf
    forged = sign_pdf(_unsigned_pdf())
    config(PDF_SIGNING_KEY=pki["key"], PDF_SIGNING_CERT=pki["cert"], PDF_SIGNING_CHAIN=pki["ca"],
           PDF_SIGNING_PASSPHRASE=PASSPHRASE)
    from core.pdf_sign import signature_report
    report = signature_report(forged)
    assert report is not None and report.intact and report.whole_file and not report.trusted and not report.ok


def _unsigned_pdf() -> bytes:
    from core.pdf import render_html
    return render_html("<html><body><p>伪造的文件</p></body></html>")


def test_pledge_pdf_and_batch_members_are_signed(signing, region, login_as, api, client):
    from archive.pledges import services as pledge_services
    from archive.pledges.models import Pledge
    from archive.reviews import services as review_services
    from tests import factories as f
    from tests.archive.pledges.conftest import make_template, sign

    # a signed pledge, printed by its signer
    tpl = make_template(by=region.hr)
    pledge_services.assign(tpl, [region.person], assigned_by=region.hr)
    db.session.commit()
    pledge = db.session.execute(db.select(Pledge).filter_by(person_id=region.person.id)).scalar_one()
    sign(pledge, region.servant)
    db.session.commit()
    resp = login_as(region.servant).get(f"/pledges/{pledge.id}/pdf")
    assert resp.status_code == 200
    _r, _s, status = pyhanko_status(resp.data, signing["ca"])
    assert status.bottom_line
    assert find_document(resp.headers["X-Document-Serial"]).sha256 == hashlib.sha256(resp.data).hexdigest()

    # a review's batch: each member of the ZIP, and the merged file, carry a valid signature
    second = f.person("赵强", department=region.shikou)
    review = review_services.create_review(name="2026年晋升考察", purpose="promotion",
                                           closes_on=clock.today() + timedelta(days=14),
                                           candidates=[region.person, second], members=[], created_by=region.hr)
    db.session.commit()
    token = api(region.hr)
    for fmt in ("zip", "merged"):
        resp = token.post(f"/api/v1/reviews/{review.id}/print", json={"format": fmt})
        assert resp.status_code == 202
        status_json = token.get(f"/api/v1/jobs/{resp.get_json()['job_id']}").get_json()
        assert status_json["state"] == "done"
        out = token.get(status_json["download_url"]).data
        if fmt == "zip":
            with zipfile.ZipFile(io.BytesIO(out)) as zf:
                members = [zf.read(n) for n in zf.namelist()]
            assert len(members) == 2
            for member in members:
                assert pyhanko_status(member, signing["ca"])[2].bottom_line
        else:
            _r, _s, status = pyhanko_status(out, signing["ca"])
            assert status.bottom_line
    docs = db.session.execute(sa.select(PrintedDocument)).scalars().all()
    assert len(docs) == 1 + 2 + 2 + 1           # pledge, zip members, merged members, merged batch


def test_pkcs12_with_a_passphrase_from_the_environment(config, pki, region, login_as, monkeypatch):
    from config import load_config
    monkeypatch.setenv("PDF_SIGNING_PKCS12", pki["p12"])
    monkeypatch.setenv("PDF_SIGNING_PASSPHRASE", PASSPHRASE)
    loaded = load_config("test")
    assert loaded["PDF_SIGNING_PKCS12"] == pki["p12"] and loaded["PDF_SIGNING_PASSPHRASE"] == PASSPHRASE
    config(PDF_SIGNING_PKCS12=loaded["PDF_SIGNING_PKCS12"], PDF_SIGNING_PASSPHRASE=loaded["PDF_SIGNING_PASSPHRASE"],
           PDF_SIGNING_KEY=None, PDF_SIGNING_CERT=None, PDF_SIGNING_CHAIN=None)
    _serial, data = _print_file(login_as, region)
    _r, _s, status = pyhanko_status(data, pki["ca"])        # the CA came from inside the PKCS#12
    assert status.bottom_line and status.signing_cert.subject.native["common_name"] == SIGNER_CN


def test_a_broken_signing_configuration_refuses_to_start_and_to_print(config, pki, region, login_as, database_url):
    from core.app import create_app
    from core.pdf_sign import SigningConfigError
    with pytest.raises(SigningConfigError):
        create_app("test", SQLALCHEMY_DATABASE_URI=database_url, PDF_SIGNING_PKCS12=pki["p12"],
                   PDF_SIGNING_PASSPHRASE="wrong")
    # configured but unloadable at run time: the print fails; no unsigned file, no serial issued
    config(PDF_SIGNING_KEY=pki["key"], PDF_SIGNING_CERT=pki["cert"], PDF_SIGNING_PASSPHRASE="wrong",
           PROPAGATE_EXCEPTIONS=False)
    resp = login_as(region.hr).get(f"/people/{region.person.id}/file.pdf")
    assert resp.status_code == 500
    db.session.rollback()
    assert db.session.execute(sa.select(sa.func.count()).select_from(PrintedDocument)).scalar() == 0


def test_without_a_certificate_pdfs_are_unsigned_and_verification_works_as_before(region, login_as, client):
    from pyhanko.pdf_utils.reader import PdfFileReader

    from core.pdf_sign import signing_enabled
    with client.application.app_context():
        assert not signing_enabled()
    serial, data = _print_file(login_as, region)
    assert b"/ByteRange" not in data
    assert PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures == []
    assert find_document(serial).sha256 == hashlib.sha256(data).hexdigest()
    html = _verify(client, serial, data)
    assert 'data-verify-result="match"' in html and "data-signature=" not in html
    assert 'data-verify-result="mismatch"' in _verify(client, serial, data + b"\n")


def test_a_re_rendered_copy_fails_verification(region, login_as, client, config, pki):
    """SECURITY.md "a re-rendered copy fails verification": the file rendered again with the
    genuine serial printed in it but other content (what a forger with the template makes) is
    not the document. (WeasyPrint is deterministic: the very same content with the same serial
    renders to the very same bytes, which is the same document.) With signing on, even an
    identical re-render does not match: the signature of the issued file is unique."""
    from archive.reviews import printing
    from core.pdf_sign import sign_pdf
    serial, data = _print_file(login_as, region)
    with client.application.test_request_context():
        context = printing.file_context(region.person, review=None, printed_by=region.hr)
        forged = printing.render_file({**context, "restrictions": [], "issuer_department": "东营市"}, serial)
    assert forged.startswith(b"%PDF-") and forged != data
    html = _verify(client, serial, forged)
    assert 'data-verify-result="mismatch"' in html and "不一致" in html

    config(PDF_SIGNING_KEY=pki["key"], PDF_SIGNING_CERT=pki["cert"], PDF_SIGNING_CHAIN=pki["ca"],
           PDF_SIGNING_PASSPHRASE=PASSPHRASE)
    serial, data = _print_file(login_as, region)
    with client.application.test_request_context():
        context = printing.file_context(region.person, review=None, printed_by=region.hr)
        copy = sign_pdf(printing.render_file(context, serial))          # same content, signed again
    assert copy != data
    html = _verify(client, serial, copy)
    assert 'data-verify-result="mismatch"' in html and 'data-signature="valid"' in html  # genuine key, not the file

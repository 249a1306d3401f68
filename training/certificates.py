"""Completion certificates (结业证书): a PDF with a serial and a QR code of the verification page.

``core.documents.issue_document`` reserves the serial, we render it into the PDF, and the
SHA-256 of the bytes is stored so /verify/<serial> can check an uploaded copy.
"""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from core import clock
from core.documents import PrintedDocument, issue_document, verify_url
from core.errors import Conflict
from core.pdf import qr_data_uri, render_pdf
from training.enums import EnrolmentStatus
from training.models import Enrolment
from training.rules import format_hours


def render_certificate(enrolment: Enrolment, serial: str, *, issued_on: date | None = None) -> bytes:
    course, person = enrolment.course, enrolment.person
    url = verify_url(serial)
    session = enrolment.session
    return render_pdf("pdf/certificate.html", stylesheet="pdf/certificate.css", enrolment=enrolment, course=course,
                      person=person, course_session=session, serial=serial, qr=qr_data_uri(url), verify_url=url,
                      hours=format_hours(enrolment.credited_hours), issued_on=issued_on or clock.today(),
                      organiser=(session.organiser if session and session.organiser else None))


def issue_certificate(enrolment: Enrolment, *, issued_by=None) -> tuple[PrintedDocument, bytes]:
    """Render and register the certificate of a completed enrolment (a new serial per print)."""
    if enrolment.status is not EnrolmentStatus.COMPLETED:
        raise Conflict("illegal_state", _("尚未结业，不能打印结业证书"))
    title = f"{enrolment.course.title} 结业证书 {enrolment.person.name}"
    return issue_document("certificate", lambda serial: render_certificate(enrolment, serial),
                          person=enrolment.person, issued_by=issued_by, owner=enrolment, title=title)

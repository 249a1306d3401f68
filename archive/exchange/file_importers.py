"""Importers of the integrity file: appraisals, awards, misconduct records.

Each reproduces the checks of its service in archive/file (entries.add_appraisal,
entries.add_award, records.record_misconduct) for a whole table at once, then inserts with Core and does
what the services do on the side: the archive_files summary (latest appraisal year),
notifications of appraisal results, one audit event per import (services.run_batch).

This module holds what they share (is the file package there, site links, existing rows of
the people imported, past dates); the importers are ``appraisal_importer.AppraisalImporter``,
``award_importer.AwardImporter`` and ``record_importer.RecordImporter``.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import current_app, has_request_context, url_for

from core.extensions import db

from .importing import Problems, chunked, in_list


def _file_ready() -> bool:
    try:
        from archive.file import models, services  # noqa: F401
    except ImportError:
        return False
    return hasattr(models, "Record") and hasattr(services, "record_misconduct")


def link(endpoint: str) -> str | None:
    """A site-relative link (also in a background job, without a request)."""
    if endpoint not in current_app.view_functions:
        return None
    if has_request_context():
        return url_for(endpoint)
    return current_app.url_map.bind("").build(endpoint)


def _existing(model, person_ids: list[int], *columns, where=None):
    for part in chunked(sorted(set(person_ids))):
        sel = sa.select(*columns).where(in_list(model.person_id, part))
        yield from db.session.execute(sel.where(where) if where is not None else sel)


def _past(problems: Problems, number: int, column: str, value: date | None, today: date) -> None:
    if value is None:
        return
    if value > today:
        problems.add(number, column, f"{column}不能晚于今天")
    elif value.year < 1950:
        problems.add(number, column, f"{column}有误")

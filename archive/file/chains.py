"""The stored end of each record's sanction chain (``Record.restricts_until``).

The chain end is ONE rule: :func:`archive.rules.combined_ends` (docs/rules.md §4.4). It is
stored on every record so that SQL readers (the records list and its ``?status=`` filter,
worklists, the release job's candidates, exports) read the same end as the file page,
the verdicts and the PDF. Every service that changes a record calls :func:`refresh_chains`
for its person in the same transaction (archive/file/common.keep_version and
record_misconduct do); ``flask records release`` recomputes them for everyone. A moved end
is noted for derived data (core.changes, RECORD).
"""
from __future__ import annotations

from collections.abc import Iterable

from archive import rules
from archive.file.models import Record
from core import changes
from core.extensions import db


def refresh_chains(person_ids: Iterable[int], settings: rules.RuleSettings | None = None, *,
                   flush: bool = True) -> int:
    """Recompute ``restricts_until`` of every record of ``person_ids``. -> records changed.
    Reads without autoflush, so a record changed in memory is combined as it now is and
    is written by one flush (one version step)."""
    from archive.file.loader import rule_settings
    settings = settings or rule_settings()
    ids = sorted(set(person_ids))
    moved: set[int] = set()
    for chunk in range(0, len(ids), 500):
        by_person: dict[int, list[Record]] = {}
        with db.session.no_autoflush:
            rows = db.session.execute(db.select(Record).where(Record.person_id.in_(ids[chunk:chunk + 500]))
                                      .order_by(Record.id)).scalars().all()
        for r in rows:
            by_person.setdefault(r.person_id, []).append(r)
        for records in by_person.values():
            ends = rules.combined_ends([r.facts_for_rules() for r in records], settings)
            for r in records:
                end = None if r.permanent else ends.get(r.id, r.restricted_until)
                if r.restricts_until != end:
                    r.restricts_until = end
                    moved.add(r.id)
                    changes.changed([r.person_id], changes.RECORD)
    if moved and flush:
        db.session.flush()
    return len(moved)

"""Importer of awards and honours (the file's import kind ``awards``, docs/rules.md §4.2):
refused while a case is pending (立案审查中, 政务处分法 art. 52), then a set-based insert."""
from __future__ import annotations

from datetime import date

from archive.enums import AwardKind
from core import clock
from core.excel import CHOICE, DATE, Column, Table
from core.extensions import db
from core.text import N_

from .file_importers import _existing, _file_ready, _past
from .importing import (
    GENERAL,
    ID_COLUMN,
    NAME_COLUMN,
    ImportContext,
    Importer,
    Plan,
    Problems,
    differences,
    duplicate_keys,
    insert_rows,
    resolve_people,
)

# ---- awards -------------------------------------------------------------------------------

class AwardImporter(Importer):
    kind = "awards"
    title = N_("奖励")
    natural_key_text = "公民身份号码 + 名称 + 日期"
    columns = (
        ID_COLUMN, NAME_COLUMN,
        Column("奖励类型", "kind", CHOICE, choices=tuple(k.zh for k in AwardKind), example="嘉奖"),
        Column("名称", "title", max_length=200, example="2025年度嘉奖", width=24),
        Column("日期", "awarded_on", DATE, example="2026-01-20"),
        Column("批准机关", "authority", max_length=200, example="东营市东营区人民政府", width=24),
        Column("文号", "document_no", required=False, max_length=100, example="东区政〔2026〕5号"),
    )
    instructions = ("奖励、荣誉称号导入模板", *GENERAL, "奖励类型须为：" + "、".join(k.zh for k in AwardKind) + "。")
    examples = (("370502198001011234", "张伟", "嘉奖", "2025年度嘉奖", "2026-01-20", "东营市东营区人民政府", ""),)

    def available(self) -> bool:
        return _file_ready()

    def plan(self, table: Table, ctx: ImportContext) -> Plan:
        from archive.file.models import Award
        problems = Problems()
        rows = self.parse_rows(table, problems, ctx)
        people = resolve_people(rows, problems, ctx)
        for number, v in rows:
            if v.get("kind") is not None:
                v["_kind"] = AwardKind.from_zh(v["kind"])
            _past(problems, number, "日期", v.get("awarded_on"), ctx.today)

        def key(n, v):
            return (people[n].id, v["title"], v["awarded_on"]) if n in people and v.get("title") and v.get(
                "awarded_on") else None
        duplicate_keys(rows, key, problems, "名称", "公民身份号码、名称和日期")
        _refuse_pending_cases(rows, people, problems, ctx.today)
        ok = [(n, v) for n, v in rows if not problems.has(n) and n in people]
        existing = {(r.person_id, r.title, r.awarded_on): r._asdict() for r in _existing(
            Award, [people[n].id for n, _ in ok], Award.person_id, Award.title, Award.awarded_on, Award.kind,
            Award.authority, Award.document_no)}
        new, unchanged = [], 0
        for number, v in ok:
            old = existing.get(key(number, v))
            if old is None:
                new.append((number, v))
                continue
            diff = differences(old, {"kind": v["_kind"], "authority": v["authority"], "document_no": v.get("document_no")},
                               {"kind": "奖励类型", "authority": "批准机关", "document_no": "文号"})
            if diff:
                problems.add(number, diff[0], "与已有记录不一致（同名同日期的奖励已存在，" + "、".join(diff) + "不同）")
            else:
                unchanged += 1

        def apply() -> int:
            now = clock.utcnow()
            insert_rows(Award.__table__, [
                {"person_id": people[n].id, "kind": v["_kind"], "title": v["title"], "awarded_on": v["awarded_on"],
                 "authority": v["authority"], "document_no": v.get("document_no"), "entered_by_id": ctx.actor_id,
                 "created_at": now, "updated_at": now} for n, v in new])
            return len(new)

        return Plan(rows=len(rows), problems=problems, new=len(new), unchanged=unchanged, apply=apply)


def _refuse_pending_cases(rows, people, problems: Problems, today: date) -> None:
    """No new award while a case is pending (立案审查中, 政务处分法 art. 52)."""
    import sqlalchemy as sa

    from archive.file.models import CaseFlag
    ids = {people[n].id for n, _ in rows if n in people}
    if not ids:
        return
    pending = {c.person_id: c for c in db.session.execute(
        db.select(CaseFlag).where(CaseFlag.person_id.in_(ids), CaseFlag.started_on <= today,
                                  sa.or_(CaseFlag.ended_on.is_(None), CaseFlag.ended_on > today))).scalars()}
    for number, _ in rows:
        case = pending.get(people[number].id) if number in people else None
        if case is not None:
            problems.add(number, "姓名", f"该人员正在立案审查中（{case.authority}，{case.started_on.isoformat()}起），"
                                       "案件办结前不得给予奖励（公职人员政务处分法第52条）")

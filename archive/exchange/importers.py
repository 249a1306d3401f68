"""The five importers of API.md "Import and export": people, appraisals, awards, records,
completions. Each declares its columns (the template is built from them) and plans an
import of a whole table (see importing.py for the policy on natural keys)."""
from __future__ import annotations

import sqlalchemy as sa

from core import clock
from core.excel import BOOL, DATE, Column, Table
from core.extensions import db
from core.text import N_

from .importing import (
    GENERAL,
    ID_COLUMN,
    OWN_ROW_MESSAGE,
    ImportContext,
    Importer,
    Plan,
    Problems,
    chunked,
    differences,
    duplicate_keys,
    id_hashes,
    in_list,
    insert_rows,
)

# ---- people -------------------------------------------------------------------------------

class PeopleImporter(Importer):
    kind = "people"
    title = N_("人员名册")
    noun = "人"
    natural_key_text = "公民身份号码"
    columns = (
        Column("姓名", "name", max_length=50, example="张伟"),
        ID_COLUMN,
        Column("单位", "department", max_length=100, note="您管理范围内的单位名称或统一社会信用代码",
               example="文汇街道", width=20),
        Column("职务", "post", max_length=100, example="科员"),
        Column("职级", "rank", max_length=50, example="一级科员"),
        Column("录用日期", "entry_date", DATE, example="2015-03-01"),
        Column("是否领导职务", "leading", BOOL, required=False, note="是 / 否，不填视为否", example="否"),
        Column("任现职时间", "appointed_on", DATE, required=False, note="不早于录用日期", example="2020-06-01"),
        Column("联系电话", "phone", required=False, max_length=20, example="13800001234"),
    )
    instructions = ("人员名册导入模板（公务员登记）", *GENERAL,
                    "按公民身份号码识别人员：已登记的人员不会重复登记。")
    examples = (("张伟", "370502198001011234", "文汇街道", "科员", "一级科员", "2015-03-01", "否", "", "13800001234"),)

    FIELD_COLUMNS = {"name": "姓名", "entry_date": "录用日期", "appointed_on": "任现职时间", "phone": "联系电话",
                     "post": "职务", "rank": "职级", "department_id": "单位", "id_number": "公民身份号码"}

    def plan(self, table: Table, ctx: ImportContext) -> Plan:
        from core.registry.models import Person
        from core.registry.services import PersonInput, _validate_common
        problems = Problems()
        rows = self.parse_rows(table, problems, ctx)
        departments = _department_resolver(ctx)
        hashes = id_hashes(rows, problems)
        for number, values in rows:
            if values.get("department") is not None:
                dept, message = departments(values["department"])
                values["_department"] = dept
                if message:
                    problems.add(number, "单位", message)
            if problems.has(number):
                continue
            fields: dict[str, str] = {}
            data = PersonInput(name=values["name"], id_number="", department=None, entry_date=values["entry_date"],
                               post=values["post"], rank=values["rank"], leading=bool(values.get("leading")),
                               appointed_on=values.get("appointed_on"), phone=values.get("phone"))
            _validate_common(data, fields)
            idn = hashes.get(number, (None, None))[1]
            if idn and values["entry_date"] and values["entry_date"] < idn.birth_date:
                fields["entry_date"] = "录用日期不能早于出生日期"
            for key, message in fields.items():
                problems.add(number, self.FIELD_COLUMNS.get(key, key), message)
        duplicate_keys(rows, lambda n, v: hashes.get(n, (None,))[0], problems, "公民身份号码", "公民身份号码")

        existing = _existing_people([h for h, _ in hashes.values()], ctx)
        new_rows: list[tuple[int, dict]] = []
        unchanged = 0
        for number, values in rows:
            if problems.has(number) or number not in hashes:
                continue
            digest, idn = hashes[number]
            old = existing.get(digest)
            if old is None:
                new_rows.append((number, values))
                continue
            if not old["in_scope"]:
                problems.add(number, "公民身份号码", "该公民身份号码已登记")
                continue
            if ctx.own_row(old["id"]):
                problems.add(number, "公民身份号码", OWN_ROW_MESSAGE)
                continue
            given = {"name": values["name"], "department_id": values["_department"].id, "post": values["post"],
                     "rank": values["rank"], "entry_date": values["entry_date"], "leading": values.get("leading"),
                     "appointed_on": values.get("appointed_on"), "phone": values.get("phone")}
            diff = differences(old, given, {"name": "姓名", "department_id": "单位", "post": "职务", "rank": "职级",
                                            "entry_date": "录用日期", "leading": "是否领导职务",
                                            "appointed_on": "任现职时间", "phone": "联系电话"})
            if diff:
                problems.add(number, diff[0], "与已有记录不一致（该人员已登记，" + "、".join(diff)
                             + "不同；请在人员页面修改）")
            else:
                unchanged += 1

        def apply() -> int:
            from core import crypto
            from core.enums import PersonStatus
            from core.registry.models import DepartmentAssignment, PersonChange
            from core.registry.search_keys import person_keys
            from core.registry.services import PERSON_REGISTERED
            now = clock.utcnow()
            people = []
            for number, v in new_rows:
                digest, idn = hashes[number]
                dept = v["_department"]
                people.append({
                    "name": v["name"], "id_hash": digest, "id_cipher": crypto.encrypt(idn.value),
                    "id_masked": idn.masked, "gender": idn.gender, "birth_date": idn.birth_date,
                    "department_id": dept.id, "department_path": dept.path, "post": v["post"], "rank": v["rank"],
                    "leading": bool(v.get("leading")), "entry_date": v["entry_date"],
                    "appointed_on": v.get("appointed_on"), "phone": v.get("phone"),
                    "status": PersonStatus.ACTIVE, "version": 1, "created_at": now, "updated_at": now,
                    **person_keys(v["name"], idn.value)})
            ids = [r[0] for r in insert_rows(Person.__table__, people, returning=(Person.__table__.c.id,))]
            insert_rows(DepartmentAssignment.__table__, [
                {"person_id": pid, "department_id": p["department_id"], "started_on": p["entry_date"]}
                for pid, p in zip(ids, people)])
            reason = f"Excel 导入（批次 #{ctx.batch_id}）" if ctx.batch_id else "Excel 导入"
            insert_rows(PersonChange.__table__, [
                {"person_id": pid, "action": "create", "changes": {}, "reason": reason, "changed_by_id": ctx.actor_id,
                 "changed_at": now} for pid in ids])
            run_registered_hooks(PERSON_REGISTERED, ids)
            return len(ids)

        return Plan(rows=len(rows), problems=problems, new=len(new_rows), unchanged=unchanged, apply=apply)


def _bulk_pre_appointment(ids: list[int]) -> None:
    from archive.enums import PledgeKind
    from archive.pledges.services import assign, latest_published
    template = latest_published(PledgeKind.PRE_APPOINTMENT)
    if template is not None and ids:
        db.session.flush()
        assign(template, ids)


#: set-based equivalents of known per-person registry hooks (top package, name) -> fn(ids); a hook may
#: also carry its own ``hook.bulk(ids)``
BULK_EQUIVALENTS = {("archive", "auto_assign_pre_appointment"): _bulk_pre_appointment}


def bulk_form(hook):
    """The set-based form of a registry hook, or None (then it is called per person)."""
    return getattr(hook, "bulk", None) or BULK_EQUIVALENTS.get(
        ((getattr(hook, "__module__", "") or "").split(".")[0], getattr(hook, "__qualname__", "")))


def run_registered_hooks(hooks, ids: list[int]) -> None:
    """Call the PERSON_REGISTERED hooks for imported people: once for all of them when the
    hook has a set-based form (``hook.bulk(ids)`` or a known equivalent), else per person."""
    from core.registry.models import Person
    per_person = []
    for hook in hooks:
        bulk = bulk_form(hook)
        if bulk is not None:
            bulk(list(ids))
        else:
            per_person.append(hook)
    if per_person:
        for part in chunked(ids, 500):
            for person in db.session.execute(sa.select(Person).where(in_list(Person.id, part))).scalars():
                for hook in per_person:
                    hook(person)


def _department_resolver(ctx: ImportContext):
    """单位 text -> (Department, None) or (None, Chinese message), within the importer's scope."""
    from core.registry.models import Department
    by_code: dict[str, Department] = {}
    by_name: dict[str, list[Department]] = {}
    for dept in db.session.execute(sa.select(Department).where(ctx.department_clause())).scalars():
        if dept.code:
            by_code[dept.code.upper()] = dept
        by_name.setdefault(dept.name, []).append(dept)

    def resolve(text: str):
        text = text.strip()
        if text.upper() in by_code:
            return by_code[text.upper()], None
        found = by_name.get(text, [])
        if len(found) == 1:
            return found[0], None
        if len(found) > 1:
            return None, f"单位名称「{text}」在您的管理范围内不唯一，请改填该单位的统一社会信用代码"
        return None, f"未找到单位「{text[:40]}」（须为您管理范围内的单位名称或统一社会信用代码）"
    return resolve


def _existing_people(hashes: list[str], ctx: ImportContext) -> dict[str, dict]:
    from core.registry.models import Person
    out: dict[str, dict] = {}
    in_scope = sa.case((ctx.person_clause(), sa.true()), else_=sa.false()).label("in_scope")
    for part in chunked(sorted(set(hashes))):
        for row in db.session.execute(sa.select(Person.id, Person.id_hash, Person.name, Person.department_id, Person.post,
                                                Person.rank, Person.entry_date, Person.leading, Person.appointed_on,
                                                Person.phone, in_scope).where(in_list(Person.id_hash, part))):
            out[row.id_hash] = dict(row._mapping)
    return out


def _registry() -> dict[str, Importer]:
    from .appraisal_importer import AppraisalImporter
    from .award_importer import AwardImporter
    from .record_importer import RecordImporter
    from .training_importers import CompletionImporter
    return {imp.kind: imp for imp in (PeopleImporter(), AppraisalImporter(), AwardImporter(), RecordImporter(),
                                      CompletionImporter())}


IMPORTERS: dict[str, Importer] = {}


def importer_for(kind: str) -> Importer | None:
    if not IMPORTERS:
        IMPORTERS.update(_registry())
    imp = IMPORTERS.get(kind)
    return imp if imp is not None and imp.available() else None


def available_importers() -> list[Importer]:
    if not IMPORTERS:
        IMPORTERS.update(_registry())
    return [imp for imp in IMPORTERS.values() if imp.available()]

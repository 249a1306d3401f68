"""Importer of misconduct records (the file's import kind ``records``, docs/rules.md §4.4): the
checks of ``record_misconduct`` (sanction of the category, severity, judgment kind, probation,
事项, the end of restriction), then a set-based insert of drafts to be notified one by one."""
from __future__ import annotations

from archive import rules
from archive.enums import (
    SANCTIONS_BY_CATEGORY,
    Category,
    JudgmentKind,
    RecordStatus,
    Sanction,
    Severity,
    sanction_from_zh,
)
from core import clock
from core.excel import BOOL, CHOICE, DATE, INT, Column, Table
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

# ---- misconduct records -------------------------------------------------------------------

class RecordImporter(Importer):
    kind = "records"
    title = N_("失信记录")
    natural_key_text = "公民身份号码 + 类别 + 处分或处理 + 决定日期（+ 文号）"
    columns = (
        ID_COLUMN, NAME_COLUMN,
        Column("类别", "category", CHOICE, choices=tuple(c.zh for c in Category), example="政务处分"),
        Column("处分或处理", "sanction", required=False, max_length=20, example="记过",
               note="须属于所填类别（如政务处分：警告、记过、记大过、降级、撤职、开除）；司法判决、行政处罚等类别填“无”或留空"),
        Column("情节", "severity", CHOICE, choices=tuple(s.zh for s in Severity), example="一般"),
        Column("决定日期", "decided_on", DATE, example="2026-01-15"),
        Column("决定机关", "authority", max_length=200, example="东营区监察委员会", width=22),
        Column("事实", "facts", max_length=10000, example="……", width=40),
        Column("文号", "document_no", required=False, max_length=100, example="东区监〔2026〕1号"),
        Column("影响期截止日期", "restricted_until", DATE, required=False,
               note="不填按规则自动计算；司法判决、其他失信、留党察看须填写"),
        Column("事项", "item", required=False, max_length=50, note="可选列表中的事项，可不填"),
        Column("是否公示", "disclosable", BOOL, required=False, note="是 / 否，不填视为否"),
        Column("事实不公开", "facts_private", BOOL, required=False, note="是 / 否，不填视为否"),
        Column("判决类型", "judgment_kind", required=False, max_length=10,
               note="司法判决须填：刑事处罚 / 失信被执行人 / 其他"),
        Column("察看期（月）", "probation_months", INT, required=False,
               note="留党察看须填 12 或 24；影响期为察看期加24个月"),
    )
    instructions = ("政务失信记录导入模板", *GENERAL,
                    "导入的记录为草稿状态，须在档案页面逐条告知本人后生效。",
                    "类别须为：" + "、".join(c.zh for c in Category) + "。")
    examples = (("370502198001011234", "张伟", "政务处分", "记过", "一般", "2026-01-15", "东营区监察委员会",
                 "违规兼职取酬", "东区监〔2026〕1号", "", "", "否", "否", "", ""),)

    def available(self) -> bool:
        return _file_ready()

    def plan(self, table: Table, ctx: ImportContext) -> Plan:
        from archive.file.models import Record
        from archive.file.services import record_items, rule_settings
        settings = rule_settings()
        items = record_items()
        problems = Problems()
        rows = self.parse_rows(table, problems, ctx)
        people = resolve_people(rows, problems, ctx)
        for number, v in rows:
            category = Category.from_zh(v["category"]) if v.get("category") else None
            v["_category"] = category
            v["_severity"] = Severity.from_zh(v["severity"]) if v.get("severity") else None
            sanction = None
            if category is not None:
                sanction = sanction_from_zh(category, v.get("sanction") or "")
                if sanction is None:
                    allowed = "、".join(s.zh for s in SANCTIONS_BY_CATEGORY[category])
                    problems.add(number, "处分或处理", f"「{(v.get('sanction') or '（空）')[:20]}」不属于{category.zh}，"
                                 f"可选：{allowed}")
            v["_sanction"] = sanction
            if v["_severity"] is Severity.MINOR and category is not Category.ADMIN_PENALTY:
                problems.add(number, "情节", "“轻微”情节只适用于行政处罚")
            v["_judgment"] = None
            if category is Category.JUDICIAL:
                v["_judgment"] = JudgmentKind.from_zh(v.get("judgment_kind") or "")
                if v["_judgment"] is None:
                    problems.add(number, "判决类型", "司法判决须填写判决类型：刑事处罚 / 失信被执行人 / 其他")
            probation = v.get("probation_months")
            v["_probation"] = probation if sanction is Sanction.PARTY_PROBATION else None
            if sanction is Sanction.PARTY_PROBATION and probation not in settings.party_probation_months:
                problems.add(number, "察看期（月）", "留党察看须填写察看期：12 或 24")
            _past(problems, number, "决定日期", v.get("decided_on"), ctx.today)
            if v.get("item") and v["item"] not in items:
                problems.add(number, "事项", "事项不在可选列表中：" + "、".join(items))
            if problems.has(number) or category is None or sanction is None or v["_severity"] is None \
                    or v.get("decided_on") is None:
                continue
            default_until, permanent = rules.default_restricted_until(category, sanction, v["_severity"],
                                                                      v["decided_on"], settings, v["_probation"])
            until = v.get("restricted_until")
            if until is None and not permanent:
                until = default_until
            problem = rules.check_restricted_until(category, sanction, v["_severity"], v["decided_on"], until,
                                                   permanent, settings, v["_probation"])
            if problem:
                problems.add(number, "影响期截止日期", problem)
            v["_until"], v["_permanent"] = until, permanent

        def key(n, v):
            if n not in people or None in (v.get("_category"), v.get("_sanction"), v.get("decided_on")):
                return None
            return (people[n].id, v["_category"], v["_sanction"], v["decided_on"], v.get("document_no") or "")
        duplicate_keys(rows, key, problems, "决定日期", "公民身份号码、类别、处分或处理、决定日期和文号")
        ok = [(n, v) for n, v in rows if not problems.has(n) and n in people]
        existing = {}
        for r in _existing(Record, [people[n].id for n, _ in ok], Record.person_id, Record.category, Record.sanction,
                           Record.decided_on, Record.document_no, Record.severity, Record.authority, Record.facts):
            existing[(r.person_id, Category(r.category), Sanction(r.sanction), r.decided_on, r.document_no or "")] = \
                r._asdict()
        new, unchanged = [], 0
        for number, v in ok:
            old = existing.get(key(number, v))
            if old is None:
                new.append((number, v))
                continue
            diff = differences(old, {"severity": v["_severity"], "authority": v["authority"], "facts": v["facts"]},
                               {"severity": "情节", "authority": "决定机关", "facts": "事实"})
            if diff:
                problems.add(number, diff[0], "与已有记录不一致（同一决定的记录已存在，" + "、".join(diff)
                             + "不同；请在档案页面修改）")
            else:
                unchanged += 1

        def apply() -> int:
            now = clock.utcnow()
            source = f"import:{ctx.batch_id}" if ctx.batch_id else "import"
            insert_rows(Record.__table__, [
                {"person_id": people[n].id, "category": v["_category"], "sanction": v["_sanction"],
                 "item": v.get("item"), "severity": v["_severity"], "decided_on": v["decided_on"],
                 "restricted_until": v["_until"], "permanent": v["_permanent"], "restricted_until_reason": None,
                 "restricts_until": None if v["_permanent"] else v["_until"], "judgment_kind": v["_judgment"],
                 "probation_months": v["_probation"],
                 "authority": v["authority"], "document_no": v.get("document_no"), "facts": v["facts"],
                 "facts_private": bool(v.get("facts_private")), "disclosable": bool(v.get("disclosable")),
                 "status": RecordStatus.DRAFT, "source": source, "entered_by_id": ctx.actor_id, "version": 1,
                 "created_at": now, "updated_at": now} for n, v in new])
            return len(new)

        return Plan(rows=len(rows), problems=problems, new=len(new), unchanged=unchanged, apply=apply)

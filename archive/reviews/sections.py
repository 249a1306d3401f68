"""The integrity file (archive.file.services.FileData) as printable sections (docs/rules.md §4-6).

Kept apart from the layout: templates/pdf/integrity_file.html only loops over sections
(title, columns, rows of text cells). Sections registered by other packages in
``archive.file.services.FILE_SECTIONS`` arrive as JSON-like data in ``FileData.sections``
("pledges", "training", "repairs") and are read defensively: a key missing is a blank cell.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from core import clock
from core.templating import zh_date

FACTS_MAX = 300
TRAINING_LABELS = {"initial": "初任培训", "appointment": "任职培训", "integrity_hours": "诚信教育学时",
                   "annual_hours": "年度培训学时", "leader_five_year": "领导干部五年累计培训"}


@dataclass
class Section:
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    empty: str = "无。"
    note: str = ""
    number: str = ""
    widths: list[int] = field(default_factory=list)     # column widths in percent (classes w-4 .. w-60)
    details: list[str] = field(default_factory=list)    # per row: a full-width line under it (facts)


def attr(obj, *names, default=None):
    """The first present attribute (or mapping key) among ``names``."""
    for name in names:
        if isinstance(obj, dict):
            if name in obj:
                return obj[name]
        elif obj is not None and hasattr(obj, name):
            return getattr(obj, name)
    return default


def text(value) -> str:
    """A cell: enums by their Chinese name, dates in Chinese, None as an empty cell."""
    if value is None:
        return ""
    if hasattr(value, "zh"):
        return value.zh
    if isinstance(value, (date, datetime)):
        return zh_date(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def iso_date(value) -> str:
    """An ISO date or time string (JSON sections) as a Chinese date."""
    if not value:
        return ""
    if isinstance(value, (date, datetime)):
        return zh_date(value.date() if isinstance(value, datetime) else value)
    try:
        return zh_date(date.fromisoformat(str(value)[:10]))
    except ValueError:
        return str(value)


def _short(value: str | None, limit: int = FACTS_MAX) -> str:
    value = (value or "").strip()
    return value if len(value) <= limit else value[:limit] + "……"


def record_kind(record) -> str:
    name = record.category.zh
    if record.sanction.value != "none":
        name += "·" + record.sanction.zh
    return name + (f"（{record.item}）" if record.item else "")


def _joined(*parts) -> str:
    return "，".join(p for p in (text(x) for x in parts) if p)


# ---- sections -------------------------------------------------------------------------------------

def _appraisals(data) -> Section:
    s = Section("年度考核", ["年度", "考核等次", "文号", "备注"], empty="无年度考核记录。", widths=[14, 16, 30, 40])
    versions = attr(data, "appraisal_versions", default={}) or {}
    for a in attr(data, "appraisals", default=[]) or []:
        note = a.notes or ""
        if versions.get(a.id):
            old = versions[a.id][-1]
            note = _joined(note, f"曾更正（原为{old.old_grade.zh}）")
        grade = a.grade.zh
        if a.override_reason:   # entered against a rule of docs/rules.md §4.1: the reason is printed with the grade
            grade = f"{grade}（规则提示已说明理由：{a.override_reason}）"
        s.rows.append([f"{a.year}年度", grade, a.document_no or "", note])
    return s


def _awards(data) -> Section:
    s = Section("奖励和荣誉", ["日期", "类型", "名称", "批准机关", "文号"], empty="无奖励和荣誉记录。",
                widths=[16, 14, 30, 24, 16])
    for w in attr(data, "awards", default=[]) or []:
        s.rows.append([text(w.awarded_on), w.kind.zh, w.title, w.authority, w.document_no or ""])
    return s


def _matter_checks(data) -> Section:
    s = Section("个人有关事项报告查核", ["年度", "查核结果", "说明"], empty="无查核记录。", widths=[14, 16, 70])
    for c in attr(data, "matter_checks", default=[]) or []:
        s.rows.append([f"{c.year}年度", c.result.zh, c.notes or ""])
    return s


def _records(data) -> Section:
    s = Section("失信记录", ["决定日期", "类别及处分", "情节", "决定机关及文号", "状态", "影响期截止"],
                empty="无失信记录。", widths=[16, 20, 8, 26, 14, 16],
                note="已撤销、容错免责、已解除和已修复的记录不再构成限制，按规定保留在档案中；尚未告知本人的草稿不列入。")
    for r in attr(data, "records", default=[]) or []:
        if r.status.value == "draft":
            continue
        status = data.status_of(r) if hasattr(data, "status_of") else r.status
        label = status.zh
        if hasattr(data, "pending_objection") and data.pending_objection(r) is not None:
            label = _joined(label, "异议处理中") if status.value != "under_objection" else label
        end = data.end_of(r) if hasattr(data, "end_of") else r.restricted_until
        until = "永久" if r.permanent else (text(end) if end else "—")
        s.rows.append([text(r.decided_on), record_kind(r), r.severity.zh, _joined(r.authority, r.document_no),
                       label, until])
        s.details.append("事实：" + _short(r.facts))
    return s


def _objections(data) -> Section:
    s = Section("异议", ["提出日期", "所涉记录", "异议理由", "状态", "处理结果"], empty="无异议。",
                widths=[16, 22, 30, 12, 20])
    records = {r.id: r for r in attr(data, "records", default=[]) or []}
    for o in attr(data, "objections", default=[]) or []:
        rec = records.get(o.record_id)
        result = _joined(o.decided_on, o.decision_reason) if o.decided_on else f"处理期限 {text(o.due_on)}"
        s.rows.append([text(o.filed_on), record_kind(rec) if rec else f"记录 #{o.record_id}", _short(o.reasons, 200),
                       o.status.zh, result])
    return s


def _cases(data) -> Section:
    s = Section("立案审查", ["开始日期", "立案机关", "结束日期", "说明"], empty="无立案审查记录。",
                widths=[16, 30, 16, 38])
    for c in attr(data, "cases", default=[]) or []:
        s.rows.append([text(c.started_on), c.authority, text(c.ended_on) or "审查中", c.notes or ""])
    return s


def _pledges(data) -> Section:
    s = Section("信用承诺", ["类型", "名称", "状态", "签署时间", "签署期限", "说明"], empty="无信用承诺记录。",
                widths=[14, 28, 12, 16, 14, 16])
    for p in (attr(data, "sections", default={}) or {}).get("pledges") or []:
        note = "现任职务的有效任职前承诺" if attr(p, "valid_for_current_post") else ""
        broken = [f for f in attr(p, "fulfilments", default=[]) or [] if attr(f, "kept") is False]
        if broken:
            note = _joined(note, "未履行：" + "、".join(str(attr(f, "period", default="")) for f in broken))
        s.rows.append([attr(p, "kind_label", "kind", default=""), attr(p, "title", default=""),
                       attr(p, "status_label", "status", default=""), iso_date(attr(p, "signed_at")),
                       iso_date(attr(p, "due_on")), note])
    return s


def _training_dict(data, person, as_of) -> dict:
    section = (attr(data, "sections", default={}) or {}).get("training") or {}
    if section.get("requirements") is not None or person is None:
        return section
    try:                                  # not registered in FILE_SECTIONS: ask training's public function
        from training.services import training_status
    except ImportError:
        return section
    ev = training_status(person, as_of.year, as_of)
    return {"year": ev.year, "meets": ev.meets, "hours": ev.hours,
            "requirements": [{"code": r.code, "applies": r.applies, "met": r.met, "message": r.message}
                             for r in ev.requirements]}


def _training(data, person, as_of) -> Section:
    s = Section("诚信教育培训", ["培训要求", "是否达标", "说明"], empty="无培训要求记录。", widths=[22, 12, 66])
    info = _training_dict(data, person, as_of)
    meets = info.get("meets")
    if info.get("year") is not None:
        hours = info.get("hours")
        s.note = (f"{info['year']}年度：" + ("全部达标" if meets else "未全部达标" if meets is False else "暂无数据")
                  + (f"，已完成 {hours} 学时" if hours not in (None, "") else ""))
    for r in info.get("requirements") or []:
        if attr(r, "applies", default=True) is False:
            continue
        code = attr(r, "code", default="")
        s.rows.append([TRAINING_LABELS.get(code, code), "达标" if attr(r, "met") else "未达标",
                       attr(r, "message", default="")])
    return s


def _repairs(data) -> Section:
    s = Section("信用修复", ["申请日期", "所涉记录", "纠正方式", "状态", "处理结果"], empty="无信用修复申请。",
                widths=[16, 22, 16, 12, 34])
    records = {r.id: r for r in attr(data, "records", default=[]) or []}
    for a in (attr(data, "sections", default={}) or {}).get("repairs") or []:
        rec = records.get(attr(a, "record_id"))
        result = _joined(iso_date(attr(a, "decided_on")), attr(a, "decision_reason")) if attr(a, "decided_on") else ""
        s.rows.append([iso_date(attr(a, "filed_on")), record_kind(rec) if rec else f"记录 #{attr(a, 'record_id')}",
                       attr(a, "correction_label", "correction", default=""),
                       attr(a, "status_label", "status", default=""), result])
    return s


def file_sections(data, person=None, as_of: date | None = None) -> list[Section]:
    """Every section of the file in the order of docs/rules.md §4-6 (all present, empty ones say so)."""
    as_of = as_of or attr(data, "as_of") or clock.today()
    person = person or attr(data, "person")
    return [_appraisals(data), _awards(data), _matter_checks(data), _records(data), _objections(data),
            _cases(data), _pledges(data), _training(data, person, as_of), _repairs(data)]

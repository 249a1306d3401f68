"""Every table of the law the rules use, in one place, for the 规则与依据 page and docs/rules.md.

A change of law is a new row (with its ``effective_from``) in the table of its module:
periods.PERIOD_TABLE, appraisal.APPRAISAL_EFFECTS, hiring.HIRING_BARS, repair.REPAIR_SCOPE,
repair.REPAIR_VERSIONS. This module only gathers them.
"""
from __future__ import annotations

from archive.rules.appraisal import APPRAISAL_EFFECTS, EFFECT_TEXT, OTHER_APPRAISAL_EFFECTS
from archive.rules.hiring import FOREVER, HIRING_BARS
from archive.rules.periods import PERIOD_TABLE, PeriodRow
from archive.rules.repair import REPAIR_SCOPE, REPAIR_VERSIONS
from archive.rules.settings import RuleSettings

#: the rules of sanction chains (docs/rules.md §4.4), each with its source
CHAIN_RULES: tuple[tuple[str, str], ...] = (
    ("同时决定的多个处分：种类不同的执行其中最重的处分；种类相同（撤职以下）的，处分期为各处分期之和，最长不超过48个月",
     "公职人员政务处分法第15条；行政机关公务员处分条例第10条"),
    ("在受处分期间受到新的处分的，处分期为尚未执行的期限与新处分期限之和，自新处分决定之日起最长不超过48个月，不论处分种类",
     "行政机关公务员处分条例第10条；公务员法第65条"),
    ("处分期间未再违法的，期满自动解除；处分链中较早的处分不在其原定期满日解除，而随整条处分链期满解除",
     "公职人员政务处分法第26条；行政机关公务员处分条例第9条"),
    ("影响期自决定之日起计算，至期满月份的对应日止（首日不计入）", "民法典第201、202条"),
)


def _period_label(row: PeriodRow) -> tuple[str, str, str]:
    from archive.enums import Category, Sanction, Severity
    parts = row.key.split(":")
    category = Category(parts[0]).zh
    sanction = Sanction(parts[1]).zh if len(parts) > 1 and parts[1] else ""
    severity = Severity(parts[2]).zh if len(parts) > 2 and parts[2] else ""
    return category, sanction, severity


def tables(settings: RuleSettings | None = None) -> dict[str, list[dict[str, str]]]:
    """The law tables as plain rows (strings) for the page and the API."""
    from archive.enums import Category
    periods = []
    for row in PERIOD_TABLE:
        category, sanction, severity = _period_label(row)
        periods.append({"category": category, "sanction": sanction, "severity": severity,
                        "period": row.period.describe(), "citation": row.citation,
                        "effective_from": row.effective_from.isoformat()})
    effects = []
    for e in APPRAISAL_EFFECTS:
        name = e.sanction.zh + (f"（察看期{e.probation_months}个月）" if e.probation_months else "")
        years = "；".join(("当年" if i == 0 else f"其后第{i}年") + EFFECT_TEXT[x] for i, x in enumerate(e.effects))
        effects.append({"cause": name, "effect": years, "citation": e.citation,
                        "effective_from": e.effective_from.isoformat()})
    effects += [{"cause": c, "effect": x, "citation": s, "effective_from": ""} for c, x, s in OTHER_APPRAISAL_EFFECTS]
    bars = [{"bar": b.title, "scope": "终身不得录用" if b.scope == FOREVER else "期间内不得录用",
             "citation": b.citation, "effective_from": b.effective_from.isoformat()} for b in HIRING_BARS]
    scope = [{"category": Category(r.category).zh, "repairable": "可以修复" if r.repairable else "不适用信用修复",
              "note": r.note, "citation": r.citation} for r in REPAIR_SCOPE]
    versions = [{"name": v.name, "citation": v.citation, "effective_from": v.effective_from.isoformat(),
                 "effective_to": v.effective_to.isoformat() if v.effective_to else "",
                 "min_months": "；".join(f"{s.zh}{m}个月" for s, m in v.min_months)
                 + (f"；安全生产、消防、特种设备{v.sector_min_months}个月" if v.sector_min_months else "")}
                for v in REPAIR_VERSIONS]
    chains = [{"rule": r, "citation": c} for r, c in CHAIN_RULES]
    return {"periods": periods, "chains": chains, "appraisal_effects": effects, "hiring_bars": bars,
            "repair_scope": scope, "repair_versions": versions}

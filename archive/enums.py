"""Enumerations of the integrity file.

The value of each member is the lowercase API code of shared/API.md ("Enumerations");
``label`` is the Chinese name shown in the UI (translated through Flask-Babel).
These codes are a public contract: add members, never rename or drop one.
"""
from __future__ import annotations

from core.enums import LabelledEnum


class Grade(LabelledEnum):
    """Annual appraisal result (公务员法 art. 38), plus 不定等次."""
    EXCELLENT = "excellent", "优秀"
    COMPETENT = "competent", "称职"
    BASICALLY_COMPETENT = "basically_competent", "基本称职"
    INCOMPETENT = "incompetent", "不称职"
    UNGRADED = "ungraded", "不定等次"


class AwardKind(LabelledEnum):
    """Award kinds (公务员法 art. 53)."""
    COMMENDATION = "commendation", "嘉奖"
    MERIT_3 = "merit_3", "记三等功"
    MERIT_2 = "merit_2", "记二等功"
    MERIT_1 = "merit_1", "记一等功"
    HONORARY_TITLE = "honorary_title", "授予荣誉称号"
    OTHER = "other", "其他表彰"


class MatterResult(LabelledEnum):
    """Result of the personal-matters report check (个人有关事项报告查核)."""
    TRUTHFUL = "truthful", "如实报告"
    OMISSION = "omission", "漏报"
    CONCEALMENT = "concealment", "瞒报"


class Category(LabelledEnum):
    """Category of a misconduct / dishonesty record (政务失信记录)."""
    DISCIPLINE_GOV = "discipline_gov", "政务处分"
    DISCIPLINE_PARTY = "discipline_party", "党纪处分"
    ACCOUNTABILITY = "accountability", "问责处理"
    JUDICIAL = "judicial", "司法判决"
    ADMIN_PENALTY = "admin_penalty", "行政处罚"
    PLEDGE_BREACH = "pledge_breach", "承诺未履行"
    REPORT_OMISSION = "report_omission", "个人事项漏报瞒报"
    OTHER = "other", "其他失信"


class Sanction(LabelledEnum):
    """Sanction or measure; which ones belong to which category is SANCTIONS_BY_CATEGORY."""
    # 政务处分 (公职人员政务处分法 art. 7)
    WARNING = "warning", "警告"
    DEMERIT = "demerit", "记过"
    MAJOR_DEMERIT = "major_demerit", "记大过"
    DEMOTION = "demotion", "降级"
    REMOVAL = "removal", "撤职"
    EXPULSION = "expulsion", "开除"
    # 党纪处分 (中国共产党纪律处分条例)
    PARTY_WARNING = "party_warning", "警告"
    PARTY_SERIOUS_WARNING = "party_serious_warning", "严重警告"
    PARTY_POST_REMOVAL = "party_post_removal", "撤销党内职务"
    PARTY_PROBATION = "party_probation", "留党察看"
    PARTY_EXPULSION = "party_expulsion", "开除党籍"
    # 问责处理
    CIRCULATED = "circulated", "通报"
    ADMONITION = "admonition", "诫勉"
    SUSPENSION = "suspension", "停职检查"
    POST_ADJUSTMENT = "post_adjustment", "调整职务"
    ORDERED_RESIGNATION = "ordered_resignation", "责令辞职"
    DISMISSAL_FROM_POST = "dismissal_from_post", "免职"
    DOWNGRADE = "downgrade", "降职"
    # every other category
    NONE = "none", "无"


SANCTIONS_BY_CATEGORY: dict[Category, tuple[Sanction, ...]] = {
    Category.DISCIPLINE_GOV: (Sanction.WARNING, Sanction.DEMERIT, Sanction.MAJOR_DEMERIT,
                              Sanction.DEMOTION, Sanction.REMOVAL, Sanction.EXPULSION),
    Category.DISCIPLINE_PARTY: (Sanction.PARTY_WARNING, Sanction.PARTY_SERIOUS_WARNING,
                                Sanction.PARTY_POST_REMOVAL, Sanction.PARTY_PROBATION,
                                Sanction.PARTY_EXPULSION),
    Category.ACCOUNTABILITY: (Sanction.CIRCULATED, Sanction.ADMONITION, Sanction.SUSPENSION,
                              Sanction.POST_ADJUSTMENT, Sanction.ORDERED_RESIGNATION,
                              Sanction.DISMISSAL_FROM_POST, Sanction.DOWNGRADE),
    Category.JUDICIAL: (Sanction.NONE,),
    Category.ADMIN_PENALTY: (Sanction.NONE,),
    Category.PLEDGE_BREACH: (Sanction.NONE,),
    Category.REPORT_OMISSION: (Sanction.NONE,),
    Category.OTHER: (Sanction.NONE,),
}


def sanction_from_zh(category: Category, text: str) -> Sanction | None:
    """The sanction of ``category`` named ``text`` (party and government 警告 share a name)."""
    text = (text or "").strip()
    allowed = SANCTIONS_BY_CATEGORY[category]
    if allowed == (Sanction.NONE,) and text in ("", "无", "-"):
        return Sanction.NONE
    return next((s for s in allowed if s.zh == text), None)


class Severity(LabelledEnum):
    """情节. ``minor`` (轻微) is for 行政处罚 only (国家发展改革委令第36号, docs/rules.md §4.6)."""
    GENERAL = "general", "一般"
    SERIOUS = "serious", "严重"
    MINOR = "minor", "轻微"


class JudgmentKind(LabelledEnum):
    """Kind of a 司法判决 record (公务员法 art. 26; docs/rules.md §4.7)."""
    CRIMINAL = "criminal", "刑事处罚"
    JUDGMENT_DEBTOR = "judgment_debtor", "失信被执行人"
    OTHER = "other", "其他"


class RecordStatus(LabelledEnum):
    """Lifecycle of a record (docs/rules.md §4.4)."""
    DRAFT = "draft", "草稿"
    NOTIFIED = "notified", "已告知"
    UNDER_OBJECTION = "under_objection", "异议处理中"
    EFFECTIVE = "effective", "生效"
    REVOKED = "revoked", "已撤销"
    EXEMPTED = "exempted", "容错免责"
    EXPIRED = "expired", "已解除"
    REPAIRED = "repaired", "已修复"


class PledgeKind(LabelledEnum):
    PRE_APPOINTMENT = "pre_appointment", "任职前承诺"
    ANNUAL = "annual", "年度诚信承诺"
    SERVICE = "service", "岗位服务承诺"
    REPAIR = "repair", "信用修复承诺"


class ReviewPurpose(LabelledEnum):
    PROMOTION = "promotion", "晋升"
    AWARD = "award", "评优"
    HIRING = "hiring", "录用"


class IntegrityStatus(LabelledEnum):
    GOOD = "good", "守信"
    RESTRICTED = "restricted", "受限"
    SERIOUS = "serious", "严重失信"


class RestrictionKind(LabelledEnum):
    PROMOTION = "promotion", "限制晋升"
    AWARD = "award", "限制评优评先"
    HIRING = "hiring", "不得录用"


class Verdict(LabelledEnum):
    ELIGIBLE = "eligible", "符合"
    INELIGIBLE = "ineligible", "不符合"
    ATTENTION = "attention", "需关注"


class CorrectionKind(LabelledEnum):
    """How the wrong was corrected (信用修复, docs/rules.md §4.6 condition 5)."""
    RECOVER_LOSS = "recover_loss", "挽回损失"
    REMOVE_IMPACT = "remove_impact", "消除不良影响"
    STOP_HARM = "stop_harm", "阻止危害结果"
    FULFIL_DUTY = "fulfil_duty", "履行义务"

"""The hiring bars (录用, docs/rules.md §4.7; LAW-NOTES §7.9) as data."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

FOREVER, WHILE = "forever", "while"


@dataclass(frozen=True)
class HiringBar:
    code: str
    scope: str          # FOREVER: ineligible for ever; WHILE: while the fact lasts
    title: str
    citation: str
    effective_from: date


_ART26 = "公务员法（2018）第26条"
_RECRUIT = "公务员录用规定（2019）第18条；历年公务员招录公告"
HIRING_BARS: tuple[HiringBar, ...] = (
    HiringBar("criminal", FOREVER, "曾因犯罪受过刑事处罚", _ART26 + "第1项", date(2019, 6, 1)),
    HiringBar("party_expulsion", FOREVER, "被开除中国共产党党籍", _ART26 + "第2项", date(2019, 6, 1)),
    HiringBar("expulsion", FOREVER, "被开除公职", _ART26 + "第3项", date(2019, 6, 1)),
    HiringBar("joint_punishment", WHILE, "被依法列为失信联合惩戒对象", _ART26 + "第4项", date(2019, 6, 1)),
    HiringBar("unreleased_sanction", WHILE, "受政务处分或党纪处分期间（尚未解除）", _RECRUIT, date(2019, 6, 1)),
    HiringBar("serious_record", WHILE, "有效的严重失信记录", "本系统规则（docs/rules.md §4.7）", date(2020, 1, 1)),
    HiringBar("case_pending", WHILE, "正在接受纪律审查、监察调查（立案审查中）", _RECRUIT + "；公职人员政务处分法第52条",
              date(2019, 6, 1)),
    HiringBar("dismissed", WHILE, "被辞退未满五年", _RECRUIT, date(2019, 6, 1)),
)
HIRING_BARS_BY_CODE = {b.code: b for b in HIRING_BARS}

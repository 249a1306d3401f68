"""Enumerations of training (docs/rules.md §6). Values are API codes (shared/API.md), labels Chinese."""
from __future__ import annotations

from core.enums import LabelledEnum


class CourseCategory(LabelledEnum):
    INITIAL = "initial", "初任培训"
    APPOINTMENT = "appointment", "任职培训"
    IN_SERVICE = "in_service", "在职培训"
    LEADERSHIP = "leadership", "领导干部进修"
    INTEGRITY = "integrity", "诚信专题"
    REPAIR = "repair", "信用修复培训"


class CourseMode(LabelledEnum):
    CLASSROOM = "classroom", "面授"
    ONLINE = "online", "网络"


class EnrolmentStatus(LabelledEnum):
    ENROLLED = "enrolled", "已报名"
    COMPLETED = "completed", "已结业"
    ABSENT = "absent", "缺勤"
    FAILED = "failed", "未通过"


class MaterialKind(LabelledEnum):
    HANDBOOK_CHAPTER = "handbook_chapter", "诚信手册"
    CASE_STUDY = "case_study", "典型案例剖析"
    TEXT = "text", "学习资料"


class EnrolmentSource(LabelledEnum):
    ENROLMENT = "enrolment", "组织报名"
    ONLINE = "online", "网上自学"
    IMPORT = "import", "外部平台导入"
    API = "api", "接口登记"

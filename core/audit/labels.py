"""Chinese labels for audit action codes and target tables (the auditor's page shows these).

Every code passed to ``record_event(`` must have a label here: tests/core/test_audit_labels.py scans
the sources and fails on a new code without one. Labels are lazy_gettext so English mode translates.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

ACTION_LABELS: dict[str, str] = {
    # accounts, sessions, security
    "login": _l("登录"),
    "login_failed": _l("登录失败"),
    "session_end": _l("退出登录"),
    "reauth": _l("重新验证身份"),
    "reauth_failed": _l("重新验证身份失败"),
    "password_change": _l("修改密码"),
    "access_denied": _l("访问被拒绝"),
    "user_create": _l("创建账户"),
    "user_update": _l("修改账户"),
    "token_create": _l("创建接口令牌"),
    "token_revoke": _l("吊销接口令牌"),
    "token_revoke_all": _l("吊销全部接口令牌"),
    "password_reset": _l("重置密码（一次性）"),
    "role_grant_request": _l("申请授予角色"),
    "role_grant_approve": _l("批准授予角色"),
    "role_grant_reject": _l("驳回授予角色"),
    "user_roles_reduce": _l("取消角色"),
    "totp_enable": _l("启用双因素认证"),
    "totp_disable": _l("停用双因素认证"),
    "totp_reset": _l("重置双因素认证"),
    "totp_recovery_codes": _l("生成恢复码"),
    "totp_recovery_used": _l("使用恢复码登录"),
    # audit, system
    "audit_verify": _l("校验审计哈希链"),
    "demo_load": _l("加载演示数据"),
    "job_retry": _l("重试后台任务"),
    "document_verify": _l("核验打印文书"),
    "print": _l("打印文书"),
    "export": _l("导出数据"),
    "export_download": _l("下载导出文件"),
    "import": _l("导入数据"),
    "import_check": _l("导入预检"),
    "credit_export": _l("信用平台导出"),
    # departments and people
    "department_create": _l("新建单位"),
    "department_update": _l("修改单位"),
    "person_create": _l("新增人员"),
    "person_update": _l("修改人员信息"),
    "person_view": _l("查看人员信息"),
    "person_status": _l("变更人员状态"),
    "person_transfer": _l("人员调动"),
    "id_reveal": _l("查看完整身份证号"),
    # integrity file
    "file_establish": _l("建立诚信档案"),
    "file_view": _l("查看诚信档案"),
    "file_upload": _l("上传附件"),
    "appraisal_create": _l("录入年度考核"),
    "appraisal_correct": _l("更正年度考核"),
    "award_create": _l("录入表彰奖励"),
    "matter_check_create": _l("录入个人事项查核"),
    "case_set": _l("登记立案审查"),
    "case_end": _l("立案审查结束"),
    # dishonesty records
    "record_create": _l("新增失信记录"),
    "record_update": _l("修改失信记录"),
    "record_view": _l("查看失信记录"),
    "record_notify": _l("告知失信记录"),
    "record_acknowledge": _l("本人确认失信记录"),
    "record_release": _l("记录到期变更状态"),
    "record_revoke": _l("撤销失信记录"),
    "record_exempt": _l("容错免责"),
    "record_repair": _l("信用修复失信记录"),
    "objection_file": _l("提出异议"),
    "objection_decide": _l("处理异议"),
    "complaint_file": _l("提交投诉"),
    "complaint_answer": _l("答复投诉"),
    # credit repair
    "repair_apply": _l("申请信用修复"),
    "repair_view": _l("查看信用修复申请"),
    "repair_withdraw": _l("撤回信用修复申请"),
    "repair_approved": _l("批准信用修复"),
    "repair_rejected": _l("驳回信用修复"),
    # pledges
    "pledge_template_create": _l("新建承诺书模板"),
    "pledge_template_update": _l("修改承诺书模板"),
    "pledge_template_version": _l("新建承诺书模板版本"),
    "pledge_template_publish": _l("发布承诺书模板"),
    "pledge_template_retire": _l("停用承诺书模板"),
    "pledge_assign": _l("下发承诺书"),
    "pledge_open": _l("本人打开承诺书"),
    "pledge_view": _l("查看承诺书"),
    "pledge_sign": _l("签署承诺书"),
    "pledge_sign_failed": _l("签署承诺书失败"),
    "pledge_cancel": _l("撤销承诺书"),
    "pledge_remind": _l("发送承诺签署提醒"),
    "pledge_publish": _l("公示承诺"),
    "pledge_unpublish": _l("取消公示承诺"),
    "pledge_fulfilment": _l("登记践诺情况"),
    # reviews
    "review_create": _l("新建考察评审"),
    "review_update": _l("修改考察评审"),
    "review_view": _l("查看考察评审"),
    "review_close": _l("结束考察评审"),
    "review_candidates_add": _l("添加候选人"),
    "review_candidate_remove": _l("移除候选人"),
    "review_print": _l("打印考察评审材料"),
    "review_print_request": _l("申请批量打印"),
    "coverage_bulk_action": _l("覆盖缺口批量处理"),
    # training
    "course_create": _l("新建课程"),
    "course_update": _l("修改课程"),
    "course_attachment_add": _l("添加课程附件"),
    "course_material_add": _l("添加课程资料"),
    "course_material_update": _l("修改课程资料"),
    "course_material_delete": _l("删除课程资料"),
    "course_session_add": _l("添加培训场次"),
    "quiz_question_add": _l("添加测验题"),
    "quiz_question_update": _l("修改测验题"),
    "quiz_question_delete": _l("删除测验题"),
    "quiz_submit": _l("提交测验"),
    "training_enrol": _l("报名培训"),
    "training_self_enrol": _l("自主报名培训"),
    "training_complete": _l("完成培训"),
    "training_failed": _l("培训未通过"),
    "training_absent": _l("培训缺席"),
    "training_remind": _l("发送培训到期提醒"),
    "training_import": _l("导入培训结业记录"),
}

TARGET_LABELS: dict[str, str] = {
    "people": _l("人员"),
    "person_changes": _l("人员变动"),
    "department_assignments": _l("任职单位"),
    "departments": _l("单位"),
    "users": _l("账户"),
    "user_roles": _l("账户角色"),
    "api_tokens": _l("接口令牌"),
    "role_grants": _l("授权申请"),
    "audit_events": _l("审计事件"),
    "audit_checkpoints": _l("审计检查点"),
    "audit_chain_head": _l("审计链头"),
    "attachments": _l("附件"),
    "notifications": _l("通知"),
    "jobs": _l("后台任务"),
    "printed_documents": _l("打印文书"),
    "archive_files": _l("诚信档案"),
    "file_documents": _l("档案缓存"),
    "file_stamps": _l("档案缓存版本"),
    "appraisals": _l("年度考核"),
    "appraisal_versions": _l("考核更正记录"),
    "awards": _l("表彰奖励"),
    "matter_checks": _l("个人事项查核"),
    "records": _l("失信记录"),
    "record_versions": _l("记录修改历史"),
    "objections": _l("异议"),
    "complaints": _l("投诉"),
    "case_flags": _l("立案审查"),
    "pledge_templates": _l("承诺书模板"),
    "pledge_texts": _l("承诺书文本"),
    "pledges": _l("承诺"),
    "pledge_fulfilments": _l("践诺情况"),
    "reviews": _l("考察评审"),
    "review_candidates": _l("候选人"),
    "review_members": _l("评审委员"),
    "repair_applications": _l("信用修复申请"),
    "import_batches": _l("导入批次"),
    "credit_exports": _l("信用平台导出"),
    "credit_export_items": _l("信用平台导出明细"),
    "coverage_facts": _l("覆盖情况"),
    "coverage_cube": _l("覆盖情况汇总"),
    "coverage_snapshots": _l("覆盖快照"),
    "coverage_refreshes": _l("覆盖刷新"),
    "courses": _l("课程"),
    "course_materials": _l("课程资料"),
    "quiz_questions": _l("测验题"),
    "course_sessions": _l("培训场次"),
    "enrolments": _l("培训报名"),
    "quiz_attempts": _l("测验作答"),
    "training_status": _l("培训状态"),
}


def action_label(code: str | None) -> str:
    """The Chinese (or translated) label of an action code; the code itself when unknown."""
    if not code:
        return ""
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code


def target_label(table: str | None) -> str:
    """The label of a target table name; the name itself when unknown."""
    if not table:
        return ""
    label = TARGET_LABELS.get(table)
    return str(label) if label is not None else table

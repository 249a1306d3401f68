"""The navigation table: (roles, label, endpoint, icon). Labels are translated at render time.

A role with many entries (HR: thirteen) would overflow a 1366 px office screen, in English above
all; past ``MAIN_MAX`` entries the occasional ones (``MORE``) go into a 更多 menu."""
from flask_babel import lazy_gettext as _l

NAV = [
    (("servant",), _l("我的档案"), "file.my_file", "person-vcard"),
    (("servant",), _l("我的承诺"), "pledges.my_pledges", "pen"),
    (("servant",), _l("我的培训"), "training.my_training", "mortarboard"),
    (("hr",), _l("工作台"), "main.home", "speedometer2"),
    (("hr",), _l("人员"), "registry.people", "people"),
    (("hr", "sysadmin"), _l("单位"), "registry.departments", "diagram-3"),
    (("hr",), _l("失信记录"), "file.records", "journal-text"),
    (("hr",), _l("异议与修复"), "file.objections", "chat-square-text"),
    (("hr",), _l("承诺"), "pledges.templates", "pen"),
    (("hr",), _l("培训"), "training.courses", "mortarboard"),
    (("hr",), _l("覆盖率"), "coverage.dashboard", "bar-chart"),
    (("hr",), _l("导入导出"), "exchange.imports", "arrow-left-right"),
    (("hr",), _l("账户激活"), "activation.batches", "key"),
    (("hr", "committee"), _l("考察评审"), "reviews.reviews", "clipboard-check"),
    (("hr", "committee"), _l("规则与依据"), "file.rules_page", "book"),
    (("sysadmin", "secadmin"), _l("账户"), "accounts.users", "person-gear"),
    (("secadmin",), _l("授权审批"), "accounts.role_grants", "person-check"),
    (("sysadmin",), _l("工作日历"), "workcal.index", "calendar3"),
    (("auditor",), _l("审计日志"), "audit.events", "shield-check"),
]

#: entries used now and then: in the 更多 menu when a user has more than MAIN_MAX entries
MORE = frozenset({"exchange.imports", "activation.batches", "file.rules_page"})
MAIN_MAX = 10

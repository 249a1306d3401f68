"""The shell both domains plug into: accounts, registry, audit, notifications, jobs, verification, plumbing."""


def blueprints():
    from core.accounts.activation_views import api as activation_api
    from core.accounts.activation_views import bp as activation
    from core.accounts.sso import bp as sso
    from core.accounts.views import bp as accounts
    from core.audit.views import bp as audit
    from core.job_api import bp as jobs_api
    from core.job_views import bp as jobs
    from core.notify.views import bp as notify
    from core.registry.api import bp as registry_api
    from core.registry.views import bp as registry
    from core.verify_api import bp as verify_api
    from core.verify_views import bp as verify
    from core.views import bp as main
    from core.workcal.views import bp as workcal
    return [main, accounts, registry, audit, notify, registry_api, sso, activation, activation_api, workcal,
            jobs, jobs_api, verify, verify_api]

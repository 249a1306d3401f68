"""The shell both domains plug into: accounts, registry, audit, notifications, plumbing."""


def blueprints():
    from core.accounts.views import bp as accounts
    from core.audit.views import bp as audit
    from core.notify.views import bp as notify
    from core.registry.api import bp as registry_api
    from core.registry.views import bp as registry
    from core.views import bp as main
    from core.workcal.views import bp as workcal
    return [main, accounts, registry, audit, notify, registry_api, workcal]

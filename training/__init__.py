"""Training: courses, sessions, enrolments, online study, requirements (depends on core only)."""


def blueprints():
    from training.api import bp as api
    from training.views import bp as views
    return [views, api]


def register(app) -> None:
    """Plug training into core.wiring (the registry hooks that refresh training status; the
    courses due on a new servant's welcome page)."""
    from core import wiring
    from training import status, welcome
    status.register()
    wiring.add_hook(wiring.WELCOME, welcome.welcome_items)


def register_cli(app) -> None:
    import importlib
    import importlib.util
    for module in ("cli", "demo", "welcome"):
        name = f"training.{module}"
        if importlib.util.find_spec(name) is not None:
            mod = importlib.import_module(name)
            if module == "cli" and hasattr(mod, "init_app"):
                mod.init_app(app)

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
    """The training CLI group and the training step of `flask demo load` (core.wiring DEMO_STEP)."""
    from training import cli, demo
    cli.init_app(app)
    demo.register()

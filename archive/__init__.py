"""The integrity file (depends on training and core; nothing depends on it).

Split by concept: file/ (records, objections), pledges/, repair/, coverage/, reviews/
(printing, verification), exchange/ (import, export, disclosure). The pure rules of every
concept live in one place: archive/rules/.
"""
SUBPACKAGES = ("file", "pledges", "repair", "coverage", "reviews", "exchange")


def blueprints():
    import importlib
    bps = []
    for sub in SUBPACKAGES:
        for module in ("views", "api"):
            bps.append(importlib.import_module(f"archive.{sub}.{module}").bp)
    return bps


def register(app) -> None:
    """Plug the archive's providers into core.wiring (file sections, complaint subjects, the
    committee scope, workbench cards, registry hooks, derived-data handlers), explicitly."""
    from archive.coverage import hooks as coverage
    from archive.file import hooks as file
    from archive.pledges import hooks as pledges
    from archive.repair import hooks as repair
    from archive.reviews import hooks as reviews
    for package in (file, pledges, repair, coverage, reviews):      # the order of the workbench cards
        package.register()


def register_cli(app) -> None:
    """CLI groups and demo steps of the archive (each subpackage may have cli.py / demo.py)."""
    import importlib
    import importlib.util
    for sub in SUBPACKAGES:
        for module in ("cli", "demo"):
            name = f"archive.{sub}.{module}"
            if importlib.util.find_spec(name) is not None:
                mod = importlib.import_module(name)
                if module == "cli" and hasattr(mod, "init_app"):
                    mod.init_app(app)
                elif module == "demo":
                    mod.register()          # its steps of `flask demo load` (core.wiring DEMO_STEP)

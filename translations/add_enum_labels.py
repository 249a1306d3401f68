"""Add the runtime-built msgids to translations/messages.pot (run right after `pybabel extract`).

pybabel only extracts literal ``_("...")`` calls. Some Chinese texts reach gettext at run time
and would never be extracted:

* LabelledEnum labels: ``Member = "code", "中文名"`` becomes ``lazy_gettext("中文名")`` in
  core/enums.py. Every class in core/, archive/ and training/ that derives (directly or through
  another enum) from LabelledEnum is found by reading the source (ast, nothing is imported).
* the values of the dicts in DYNAMIC below, which templates pass to ``_(variable)``.

Usage (from the project root, as `make translations` does):
    .venv/bin/python translations/add_enum_labels.py [translations/messages.pot]
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "archive", "training")
BASE = "LabelledEnum"

# (file, module-level dict) whose *values* are translated with `_(value)` in a template.
DYNAMIC = (
    ("training/enrol_views.py", "OVERVIEW_FILTERS"),   # templates/training/overview.html
    ("core/documents.py", "DOCUMENT_KINDS"),           # templates/archive/reviews/verify.html
)


def _base_names(node: ast.ClassDef) -> set[str]:
    names = set()
    for b in node.bases:
        if isinstance(b, ast.Name):
            names.add(b.id)
        elif isinstance(b, ast.Attribute):
            names.add(b.attr)
    return names


def _classes() -> list[tuple[Path, ast.ClassDef]]:
    found = []
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            found += [(path, n) for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
    return found


def enum_labels() -> list[str]:
    """The Chinese label of every member of every LabelledEnum subclass, in source order."""
    classes = _classes()
    enums = {BASE}
    grew = True
    while grew:                      # subclasses of subclasses
        grew = False
        for _path, node in classes:
            if node.name not in enums and _base_names(node) & enums:
                enums.add(node.name)
                grew = True
    labels = []
    for _path, node in classes:
        if node.name == BASE or node.name not in enums:
            continue
        for stmt in node.body:
            if not isinstance(stmt, ast.Assign) or not isinstance(stmt.value, ast.Tuple):
                continue
            elts = stmt.value.elts
            if len(elts) == 2 and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in elts):
                labels.append(elts[1].value)
    return labels


def dynamic_values() -> list[str]:
    values = []
    for rel, name in DYNAMIC:
        path = ROOT / rel
        if not path.exists():
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for stmt in tree.body:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else \
                [stmt.target] if isinstance(stmt, ast.AnnAssign) else []
            if any(isinstance(t, ast.Name) and t.id == name for t in targets) and stmt.value is not None:
                values += [v for v in ast.literal_eval(stmt.value).values() if isinstance(v, str)]
    return values


def main(pot: Path) -> int:
    with pot.open("rb") as f:
        catalog = read_po(f)
    added = 0
    for text in enum_labels() + dynamic_values():
        if text and text not in catalog:
            catalog.add(text)
            added += 1
    with pot.open("wb") as f:
        write_po(f, catalog, omit_header=True, sort_output=True, no_location=True)
    print(f"add_enum_labels: {added} runtime msgids added to {pot}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "translations" / "messages.pot"))

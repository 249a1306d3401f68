"""The one registry of plug-in points: what other packages add to core and to each other.

Core never imports the domain packages; they plug in here, explicitly, from their
``register()`` functions, which the application factory calls in its ``register_plugins``
step (core/app.py). Nothing registers at import time, so whether a provider is there does not
depend on which modules happen to be imported; and :func:`check` (a start-up check of the
factory) refuses to start when a provider the factory expects is missing, instead of leaving a
file section or a workbench card silently empty.

Two shapes:

* tables (``register(kind, key, provider)``): one provider per key — file sections by name, complaint
  subjects by kind, person scopes by role, people-list filters by name, job owners by table,
  document batches by kind, demo steps by name. A table's name is a :class:`Table`, typed by what its providers are (mostly functions; the people filters are
  :class:`~core.registry.filters.PeopleFilter` values), so ``table(kind)`` gives them their type;
* hooks (``add_hook(kind, fn)``): every provider in registration order — HR workbench cards,
  "a person was registered / appointed", "a pledge was signed", derived-data handlers.

``table(kind)`` and ``hooks(kind)`` return the live containers (the older module names such as
``archive.file.loader.FILE_SECTIONS`` are these same objects).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeAlias, TypeVar, cast

if TYPE_CHECKING:
    from core.demo.steps import DemoStep
    from core.registry.filters import PeopleFilter

_P = TypeVar("_P")


class Table(str, Generic[_P]):
    """The name of a table (a plain string at run time), typed by its providers: ``Table[_P]``."""

    __slots__ = ()


# tables (Fn: a provider that is a function; the comments give its signature)
Fn: TypeAlias = Callable[..., Any]
FILE_SECTION: Table[Fn] = Table("file_section")            # name -> fn(person, as_of) -> JSON-able section
COMPLAINT_SUBJECT: Table[Fn] = Table("complaint_subject")  # kind -> fn(subject_id) -> (person_id, decided, label)|None
PERSON_SCOPE: Table[Fn] = Table("person_scope")            # role -> fn(user) -> SELECT of the people ids it may see
PEOPLE_FILTER: Table[PeopleFilter] = Table("people_filter")  # name -> an extra filter of the people list
TODO: Table[Fn] = Table("todo")                            # name -> fn(person, today) -> [TodoItem] (to-do block)
JOB_OWNER: Table[Fn] = Table("job_owner")                  # owner table -> fn(job, user) -> JobOwner|None (None: 404)
DEMO_STEP: Table[DemoStep] = Table("demo_step")            # name -> a package's step of the demo load
DOCUMENT_BATCH: Table[Fn] = Table("document_batch")        # doc kind -> fn(doc, data) -> the document holding doc|None

# hooks
WORKLIST = "worklist"                    # fn(user) -> [card dict] on HR's workbench
PERSON_REGISTERED = "person_registered"  # fn(person) after a person is registered
PERSON_APPOINTED = "person_appointed"    # fn(person) after an appointment to a new post
PLEDGE_SIGNED = "pledge_signed"          # fn(pledge) after a pledge is signed
CHANGE_HANDLER = "change_handler"        # fn(session, {what: person ids}) once per transaction (core.changes)
PERSON_CHANGE_GUARD = "person_change_guard"  # fn(person, action, **kw) raises DomainError to refuse a transfer/status change
WELCOME = "welcome"                      # fn(user) -> [item dict] on a newly activated servant's welcome page
AUDIT_TRAIL = "audit_trail"              # fn(person_ids) -> [SQL conditions on AuditEvent] of a person's trail

TABLES = (FILE_SECTION, COMPLAINT_SUBJECT, PERSON_SCOPE, PEOPLE_FILTER, TODO, JOB_OWNER, DOCUMENT_BATCH, DEMO_STEP)
HOOKS = (WORKLIST, PERSON_REGISTERED, PERSON_APPOINTED, PLEDGE_SIGNED, CHANGE_HANDLER, PERSON_CHANGE_GUARD,
         WELCOME, AUDIT_TRAIL)

_tables: dict[str, dict[str, object]] = {k: {} for k in TABLES}
_hooks: dict[str, list[Callable[..., Any]]] = {k: [] for k in HOOKS}


def name_of(fn: Callable[..., Any]) -> str:
    """``module.qualname`` of a provider: how hooks are named in checks and kept unique."""
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


def table(kind: Table[_P]) -> dict[str, _P]:
    # register() is the one writer of a table and puts only a _P under a Table[_P]
    return cast("dict[str, _P]", _tables[kind])


def hooks(kind: str) -> list[Callable[..., Any]]:
    return _hooks[kind]


def register(kind: Table[_P], key: str, provider: _P) -> None:
    """Provide ``key`` of table ``kind`` (registering again replaces: idempotent)."""
    _tables[kind][key] = provider


def add_hook(kind: str, fn: Callable[..., Any]) -> None:
    """Append ``fn`` to hook ``kind`` unless a provider of the same name is there (idempotent)."""
    hooks_ = _hooks[kind]
    if all(name_of(h) != name_of(fn) for h in hooks_):
        hooks_.append(fn)


def provided() -> dict[str, set[str]]:
    """What is registered: table keys, hook provider names."""
    out = {k: set(v) for k, v in _tables.items()}
    out.update({k: {name_of(h) for h in v} for k, v in _hooks.items()})
    return out


def missing(expected: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    have = provided()
    gaps = {kind: sorted(set(names) - have.get(kind, set())) for kind, names in expected.items()}
    return {k: v for k, v in gaps.items() if v}


def check(expected: Mapping[str, Iterable[str]]) -> None:
    """Refuse to start when an expected provider is not registered."""
    gaps = missing(expected)
    if gaps:
        listed = "; ".join(f"{kind}: {', '.join(names)}" for kind, names in sorted(gaps.items()))
        raise RuntimeError(f"plug-in providers missing (a package's register() was not called?): {listed}")

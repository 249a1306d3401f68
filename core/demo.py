"""The demo region: 山东省 → 东营市 → its five counties and their towns and departments.

``load_demo(people, seed)`` builds the registry with batch inserts (100,000 people in well
under two minutes), one account per role, then runs the steps other packages registered
with ``@demo_step(order)`` (records, pledges, training...), each receiving the DemoContext.
Deterministic for a seed: the same seed gives the same region, people and data.
"""
from __future__ import annotations

import contextlib
import gc
import itertools
import operator
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, timedelta

import sqlalchemy as sa

from core import changes, clock, crypto
from core.enums import DepartmentKind, PersonStatus
from core.extensions import db
from core.registry.codes import id_check_char, mask_id, uscc_check_char

DEMO_STEPS: list[tuple[int, str, Callable]] = []


#: steps ordered before this one prepare (they write nothing) and run before the registry
FIRST_WRITING_STEP = 10


def demo_step(order: int):
    def decorator(fn):
        if not any(name == fn.__qualname__ and o == order for o, name, _ in DEMO_STEPS):
            DEMO_STEPS.append((order, fn.__qualname__, fn))
        return fn
    return decorator


COUNTIES = {
    "东营区": ("370502", ["文汇街道", "黄河路街道", "东城街道", "辛店街道", "胜利街道", "胜园街道", "史口镇",
                          "龙居镇", "牛庄镇", "六户镇"]),
    "河口区": ("370503", ["河口街道", "六合街道", "义和镇", "仙河镇", "孤岛镇", "新户镇"]),
    "垦利区": ("370505", ["垦利街道", "兴隆街道", "胜坨镇", "郝家镇", "永安镇", "黄河口镇", "董集镇"]),
    "利津县": ("370522", ["利津街道", "凤凰城街道", "北宋镇", "盐窝镇", "陈庄镇", "汀罗镇", "明集乡"]),
    "广饶县": ("370523", ["广饶街道", "乐安街道", "大王镇", "稻庄镇", "李鹊镇", "大码头镇", "花官镇", "丁庄镇"]),
}
CITY_AGENCIES = ["市委组织部", "市发展和改革委员会", "市财政局", "市人力资源和社会保障局", "市市场监督管理局",
                 "市生态环境局", "市住房和城乡建设局", "市交通运输局", "市教育局", "市卫生健康委员会"]
COUNTY_AGENCIES = ["党委组织部", "财政局", "人力资源和社会保障局", "市场监督管理局", "教育和体育局", "住房和城乡建设局"]
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
            "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤")
GIVEN = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红玲建国志文辉鹏飞宇浩凯健俊帆晨阳婷雪琳"
         "欣怡佳颖思雨梓轩子涵一诺浩然博文晓东海燕春梅立新振华德胜永刚红梅丽娟淑珍秀兰")
RANKS = ["一级主任科员", "二级主任科员", "三级主任科员", "四级主任科员", "一级科员", "二级科员", "一级调研员",
         "二级调研员", "三级调研员", "四级调研员"]
POSTS = [("科员", False, 50), ("副科长", True, 12), ("科长", True, 8), ("副主任", True, 6), ("主任", True, 4),
         ("副局长", True, 3), ("局长", True, 1), ("办事员", False, 16)]
TOWN_POSTS = [("科员", False, 60), ("副镇长", True, 6), ("镇长", True, 1), ("办公室主任", True, 5),
              ("党政办科员", False, 28)]
#: the ranks (职级) that go with each post (职务) under 《公务员职务与职级并行规定》: a 办事员 is a
#: 科员-grade newcomer, a 科长/主任 sits at 正科 (一级/二级主任科员), a county 局长 at 调研员 level
POST_RANKS = {
    "办事员": ("二级科员", "一级科员"),
    "科员": ("二级科员", "一级科员", "四级主任科员", "三级主任科员"),
    "党政办科员": ("二级科员", "一级科员", "四级主任科员"),
    "副科长": ("四级主任科员", "三级主任科员"),
    "副主任": ("四级主任科员", "三级主任科员"),
    "办公室主任": ("三级主任科员", "二级主任科员"),
    "科长": ("二级主任科员", "一级主任科员"),
    "主任": ("二级主任科员", "一级主任科员"),
    "副镇长": ("二级主任科员", "一级主任科员"),
    "镇长": ("一级主任科员", "四级调研员"),
    "副局长": ("一级主任科员", "四级调研员", "三级调研员"),
    "局长": ("三级调研员", "二级调研员", "一级调研员"),
}

DEMO_ACCOUNTS = [
    # username, roles, where, note
    ("hr", ("hr",), "东营区", "东营区人事干部（范围：东营区）"),
    ("hr_hekou", ("hr",), "河口区", "河口区人事干部（范围：河口区）"),
    ("hr_city", ("hr",), "东营市", "东营市人事干部（范围：全市）"),
    ("servant", ("servant",), "东营区", "东营区公务员（本人档案）"),
    ("committee", ("committee",), "东营市", "考察评审委员"),
    ("admin", ("sysadmin",), None, "系统管理员（账户、单位）"),
    ("auditor", ("auditor",), None, "审计管理员（审计日志）"),
    ("secadmin", ("secadmin",), None, "安全管理员（授权审批，三员分立）"),
]


@dataclass
class DemoContext:
    seed: int
    people: int
    today: date
    rng: random.Random
    root_id: int = 0
    city_id: int = 0
    county_ids: dict[str, int] = field(default_factory=dict)
    department_paths: dict[int, str] = field(default_factory=dict)
    person_ids: list[int] = field(default_factory=list)
    accounts: dict[str, int] = field(default_factory=dict)          # username -> user id
    account_people: dict[str, int] = field(default_factory=dict)    # username -> person id
    timings: dict[str, float] = field(default_factory=dict)

    def rng_for(self, name: str) -> random.Random:
        """An independent, deterministic random stream per step."""
        return random.Random(f"{self.seed}:{name}")


# ---------------------------------------------------------------------------- bulk writes

#: rows per executemany batch (SQLite) and per COPY flush (PostgreSQL)
BULK_BATCH = 5000


def _copy_columns(table: sa.Table, rows: list[dict]) -> tuple[list[str], dict]:
    """The columns the rows give, plus those with a Python-side default the rows leave out
    (COPY applies server defaults only); the default values are computed once."""
    given = list(rows[0])
    extra = {}
    for col in table.columns:
        default = col.default
        if col.name in rows[0] or default is None:
            continue
        if getattr(default, "is_scalar", False):
            extra[col.name] = default.arg
        elif getattr(default, "is_callable", False):
            extra[col.name] = default.arg(None)
    return given + list(extra), extra


def _text_converter(column, dialect):
    """A fast to-COPY-value function for ``column`` (None: psycopg dumps the value as is).

    Dates, timestamps and decimals repeat a lot in generated rows: their text form is
    memoised (psycopg's own dumpers cost 0.5-2 µs per date/aware timestamp). Enums are
    written as their value; other types with a bind processor (JSON...) go through it."""
    from enum import Enum

    from core.db import UTCDateTime
    ctype = column.type

    def memo(fn):
        cache: dict = {}

        def convert(value):
            text = cache.get(value)
            if text is None:
                if len(cache) > 200_000:
                    cache.clear()
                text = cache[value] = fn(value)
            return text
        return convert

    if isinstance(ctype, UTCDateTime | sa.DateTime):
        def stamp(value):
            if value.tzinfo is None and isinstance(ctype, UTCDateTime):
                value = value.replace(tzinfo=UTC)
            return value.isoformat()
        return memo(stamp)
    if isinstance(ctype, sa.Date | sa.Numeric | sa.Integer | sa.Boolean | sa.String) and \
            not isinstance(ctype, sa.Enum | sa.types.TypeDecorator):
        return None     # psycopg's C dumpers (a date in ~0.5 µs)
    if isinstance(ctype, sa.Enum):
        if ctype.enum_class is None or issubclass(ctype.enum_class, str):
            return None     # LabelledEnum members are str subclasses: psycopg writes their value
        return lambda value: value.value if isinstance(value, Enum) else value
    return ctype._cached_bind_processor(dialect)


def bulk_insert(table, rows, *, batch: int = BULK_BATCH) -> int:
    """Write ``rows`` (dicts with the same keys) into ``table`` (a Table or a model) set-based.

    PostgreSQL: one ``COPY … FROM STDIN`` (psycopg 3 ``cursor.copy``) on the session's
    connection, in its transaction: no per-row ORM work, no statement per batch; values are
    converted per column (see :func:`_text_converter`); Python-side column defaults the
    rows leave out are applied (computed once). Elsewhere (SQLite): Core ``executemany`` in
    batches. Derived data follows through ``core.changes``: each demo step notes what it wrote
    (the coverage facts and training status are rebuilt set-based at the end of the steps).
    Accepts any iterable; returns the number of rows written.
    """
    table = getattr(table, "__table__", table)
    session = db.session
    it = iter(rows)
    first = list(itertools.islice(it, batch))
    if not first:
        return 0
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        count = 0
        chunk = first
        while chunk:
            session.execute(sa.insert(table), chunk)
            count += len(chunk)
            chunk = list(itertools.islice(it, batch))
        return count
    columns, extra = _copy_columns(table, first)
    width = len(columns) - len(extra)
    conv = [(i, fn) for i, fn in enumerate(_text_converter(table.c[n], dialect) for n in columns[:width])
            if fn is not None]
    tail = [fn(v) if (fn := _text_converter(table.c[n], dialect)) and v is not None else v
            for n, v in extra.items()]
    get = operator.itemgetter(*columns[:width]) if width > 1 else (lambda r, k=columns[0]: (r[k],))
    names = ", ".join(f'"{c}"' for c in columns)
    raw = session.connection().connection.driver_connection
    count = 0
    with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as cp:
        write = cp.write_row
        for row in itertools.chain(first, it):
            values = [*get(row), *tail]
            for i, fn in conv:
                v = values[i]
                if v is not None:
                    values[i] = fn(v)
            write(values)
            count += 1
    return count


@contextlib.contextmanager
def indexes_deferred(*tables):
    """Bulk-write into ``tables`` (models or Tables) without maintaining their secondary
    indexes and foreign keys row by row (PostgreSQL, tables empty on entry).

    On entry the indexes other than the primary key (and any index a foreign key of another
    table relies on) and the table's own foreign keys are dropped; on exit they are created
    again from their saved definitions, with the same names, in the same transaction: a
    sorted index build instead of millions of random inserts, one anti-join per foreign
    key instead of a trigger per row. Uniqueness and references are checked as strictly
    as before (a duplicate or a dangling id fails the load, which rolls back). The schema
    is left as it was; a failure inside rolls the DDL back with the rows.
    """
    session = db.session
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    saved: list[tuple[str, str]] = []      # (drop, create) statements
    names = [getattr(table, "__tablename__", None) or getattr(table, "name", table) for table in tables]
    for name in names:
        if session.execute(sa.text(f'SELECT 1 FROM "{name}" LIMIT 1')).first():
            continue     # already has rows: keep maintaining its indexes as usual
        for con, definition in session.execute(sa.text(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = CAST(:t AS regclass) AND contype IN ('f', 'u') "
                "AND NOT (contype = 'u' AND conindid IN (SELECT conindid FROM pg_constraint WHERE contype = 'f'))"
                " ORDER BY contype, conname"), {"t": name}):
            saved.append((f'ALTER TABLE "{name}" DROP CONSTRAINT "{con}"',
                          f'ALTER TABLE "{name}" ADD CONSTRAINT "{con}" {definition}'))
        for index, definition in session.execute(sa.text(
                "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = CAST(:t AS regclass) "
                "AND NOT x.indisprimary AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
                " ORDER BY i.relname"), {"t": name}):
            saved.append((f'DROP INDEX "{index}"', definition))
    for drop, _ in saved:
        session.execute(sa.text(drop))
    yield
    session.execute(sa.text("SET LOCAL maintenance_work_mem = '256MB'"))
    # unique constraints and indexes first, the foreign keys (which may rely on them) last
    for _, create in sorted(saved, key=lambda s: "FOREIGN KEY" in s[1]):
        session.execute(sa.text(create))
    # fresh statistics: the steps that follow query these tables row by row (services), and
    # a planner that still sees empty tables picks sequential scans (0.1-1 s a query at 1M)
    session.execute(sa.text("ANALYZE " + ", ".join(f'"{n}"' for n in names)))


def reset_sequence(table: str) -> None:
    """After rows written with explicit ids: the id sequence continues after the largest."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}','id'), "
                                   f"(SELECT MAX(id) FROM {table}))"))


def database_is_empty() -> bool:
    from core.registry.models import Person
    return db.session.execute(sa.select(sa.func.count()).select_from(Person)).scalar_one() == 0


def _uscc(rng: random.Random, region: str) -> str:
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "11" + region + "".join(rng.choice(chars[:10]) for _ in range(8)) + rng.choice(chars)
    return body + uscc_check_char(body)


def _build_departments(ctx: DemoContext) -> list[tuple[int, str, str, bool]]:
    """Insert the tree; returns (id, region code, kind, is_town) of departments that employ people."""
    from core.registry.models import Department
    rng = ctx.rng_for("departments")
    rows: list[dict] = []
    next_id = (db.session.execute(sa.select(sa.func.max(Department.id))).scalar() or 0) + 1
    employers = []

    def add(name, parent, kind, region, employs=True, town=False):
        nonlocal next_id
        did = next_id
        next_id += 1
        path = (ctx.department_paths[parent] if parent else "/") + f"{did}/"
        ctx.department_paths[did] = path
        rows.append({"id": did, "name": name, "parent_id": parent, "kind": kind.value, "path": path,
                     "depth": path.count("/") - 2, "code": _uscc(rng, region) if kind != DepartmentKind.TOWN else None,
                     "sort_order": len(rows), "version": 1})
        if employs:
            employers.append((did, region, kind.value, town))
        return did

    ctx.root_id = add("山东省", None, DepartmentKind.PROVINCE, "370000", employs=False)
    ctx.city_id = add("东营市", ctx.root_id, DepartmentKind.CITY, "370500", employs=False)
    for agency in CITY_AGENCIES:
        add(agency, ctx.city_id, DepartmentKind.AGENCY, "370500")
    for county, (region, towns) in COUNTIES.items():
        cid = add(county, ctx.city_id, DepartmentKind.COUNTY, region)
        ctx.county_ids[county] = cid
        for agency in COUNTY_AGENCIES:
            add(county + agency, cid, DepartmentKind.AGENCY, region)
        for town in towns:
            add(town, cid, DepartmentKind.TOWN, region, town=True)
    db.session.execute(sa.insert(Department), rows)
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT setval(pg_get_serial_sequence('departments','id'), "
                                   "(SELECT MAX(id) FROM departments))"))
    return employers


def _person_rows(ctx: DemoContext, employers, start_id: int):
    """The people, without their id numbers' hash and cipher (added per batch by
    :func:`_secure_ids`); ``_idn`` carries the plain number until then."""
    rng = ctx.rng_for("people")
    today = ctx.today
    seen: set[str] = set()
    # cumulative weights computed once: random.choices draws exactly as with weights=
    cum_employers = list(itertools.accumulate(3 if kind == "agency" else 2 for _, _, kind, _ in employers))
    post_tables = {town: (table, list(itertools.accumulate(w for *_, w in table)))
                   for town, table in ((False, POSTS), (True, TOWN_POSTS))}
    statuses = (PersonStatus.ACTIVE.value, PersonStatus.TRANSFERRED.value, PersonStatus.RETIRED.value,
                PersonStatus.RESIGNED.value, PersonStatus.DISMISSED.value)
    paths = ctx.department_paths
    base = date(1966, 1, 1)
    for i in range(ctx.people):
        did, region, _, town = rng.choices(employers, cum_weights=cum_employers)[0]
        while True:
            born = base + timedelta(days=rng.randrange(365 * 36))
            seq = f"{rng.randrange(1000):03d}"
            first17 = f"{region}{born:%Y%m%d}{seq}"
            idn = first17 + id_check_char(first17)
            if idn not in seen:
                seen.add(idn)
                break
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
        table, cum = post_tables[town]
        post, leading, _ = rng.choices(table, cum_weights=cum)[0]
        earliest = born + timedelta(days=365 * 22)
        span = max(30, (today - earliest).days - 30)
        entry = earliest + timedelta(days=rng.randrange(span))
        appointed = entry + timedelta(days=rng.randrange(max(1, (today - entry).days)))
        r = rng.random()
        status = statuses[0 if r < 0.955 else 1 if r < 0.97 else 2 if r < 0.99 else 3 if r < 0.997 else 4]
        yield {"id": start_id + i, "name": name, "_idn": idn, "id_masked": mask_id(idn),
               "gender": "male" if int(seq[2]) % 2 else "female", "birth_date": born,
               "department_id": did, "department_path": paths[did], "post": post,
               "rank": rng.choice(POST_RANKS[post]), "leading": leading, "entry_date": entry,
               "appointed_on": appointed,
               "status": status, "phone": f"13{rng.randrange(10 ** 9):09d}", "version": 1}


def _secure_ids(rows: list[dict]) -> None:
    """Replace each row's plain ``_idn`` by its keyed hash and Fernet cipher (never stored plain)."""
    from core.registry.search_keys import person_keys
    numbers = [r.pop("_idn") for r in rows]
    for row, digest, cipher, number in zip(rows, crypto.keyed_hash_many(numbers), _encrypt_many(numbers), numbers,
                                           strict=True):
        row["id_hash"], row["id_cipher"] = digest, cipher
        row.update(person_keys(row["name"], number))


def _encrypt_many(texts: list[str]) -> list[str]:
    """crypto.encrypt of many values (the same Fernet tokens, the key looked up once)."""
    many = getattr(crypto, "encrypt_many", None)
    if many is not None:
        return many(texts)
    return [crypto.encrypt(t) for t in texts]


def _build_people(ctx: DemoContext, employers, batch: int = BULK_BATCH) -> None:
    from core.registry.models import DepartmentAssignment, Person
    start = (db.session.execute(sa.select(sa.func.max(Person.id))).scalar() or 0) + 1
    now = clock.utcnow()
    rows = _person_rows(ctx, employers, start)

    def people():
        while chunk := list(itertools.islice(rows, batch)):
            _secure_ids(chunk)
            for row in chunk:
                row["created_at"] = row["updated_at"] = now
            people_done.extend((r["id"], r["department_id"], r["entry_date"]) for r in chunk)
            yield from chunk

    people_done: list[tuple] = []
    bulk_insert(Person, people())
    bulk_insert(DepartmentAssignment, ({"person_id": pid, "department_id": did, "started_on": entry}
                                       for pid, did, entry in people_done))
    ctx.person_ids = list(range(start, start + ctx.people))
    reset_sequence("people")


def _build_accounts(ctx: DemoContext, password: str) -> None:
    from flask import current_app

    from core.accounts.models import User
    from core.accounts.passwords import hash_password
    from core.registry.models import Person
    pw = hash_password(password)
    for username, roles, where, _ in DEMO_ACCOUNTS:
        if db.session.execute(sa.select(User.id).filter_by(username=username)).first():
            continue
        dept_id = ctx.city_id if where == "东营市" else ctx.county_ids.get(where) if where else None
        person_id = None
        if roles not in (("sysadmin",), ("auditor",), ("secadmin",)) and dept_id:
            path = ctx.department_paths[dept_id]
            taken = set(ctx.account_people.values())
            person_id = db.session.execute(
                sa.select(Person.id).where(Person.department_path.startswith(path), Person.status == "active",
                                           Person.id.not_in(taken or {0}))
                .order_by(Person.id).limit(1)).scalar()
        user = User(username=username, display_name=username, password_hash=pw, password_changed_at=clock.utcnow(),
                    department_id=dept_id if roles[0] in ("hr", "committee") else None, person_id=person_id)
        user.set_roles(roles)
        if set(roles) & set(current_app.config["TOTP_REQUIRED_ROLES"]):
            from core.accounts.totp import new_secret  # pre-enrolled: `demo accounts` prints the secret
            user.totp_secret, user.totp_enabled = new_secret(), True
        db.session.add(user)
        db.session.flush()
        ctx.accounts[username] = user.id
        if person_id:
            ctx.account_people[username] = person_id
            if username == "servant":
                person = db.session.get(Person, person_id)
                assert person is not None   # its id was just selected from people
                user.display_name = person.name


def build_registry(ctx: DemoContext, password: str) -> None:
    """The region's departments, people and accounts (not committed)."""
    employers = _build_departments(ctx)
    from core.registry.models import DepartmentAssignment, Person
    with indexes_deferred(Person, DepartmentAssignment):
        _build_people(ctx, employers)
    _build_accounts(ctx, password)
    changes.changed(None, changes.PERSON)      # a whole region of new people (core.changes)


def load_demo(*, people: int, seed: int, echo: Callable = print, password: str | None = None,
              today: date | None = None) -> str:
    from flask import current_app

    from core.audit.services import record_event, write_checkpoint
    password = password or current_app.config["DEMO_PASSWORD"]
    ctx = DemoContext(seed=seed, people=people, today=today or clock.today(), rng=random.Random(seed))
    t0 = time.perf_counter()
    # millions of rows and tuples live at once: generational GC passes over them would cost
    # more than the load creates in cycles (collected once at the end)
    gc_enabled = gc.isenabled()
    gc.disable()
    try:
        _bulk_transaction()
        steps = sorted(DEMO_STEPS, key=lambda s: s[0])
        for _order, _name, fn in (s for s in steps if s[0] < FIRST_WRITING_STEP):
            fn(ctx)     # preparations (coverage: refresh its facts once, at the end)
        build_registry(ctx, password)
        db.session.commit()
        ctx.timings["registry"] = time.perf_counter() - t0
        echo(f"registry: {people} people in {ctx.timings['registry']:.1f} s")
        for _order, name, fn in (s for s in steps if s[0] >= FIRST_WRITING_STEP):
            t = time.perf_counter()
            _bulk_transaction()
            fn(ctx)
            db.session.commit()
            ctx.timings[name] = time.perf_counter() - t
            echo(f"{name}: {ctx.timings[name]:.1f} s")
        if db.session.get_bind().dialect.name == "postgresql":
            db.session.commit()
            db.session.execute(sa.text("ANALYZE"))   # bulk loads leave the planner blind (100k people seen as ~100)
        record_event("demo_load", None, f"载入演示数据：{people} 人，随机种子 {seed}", actor=None)
        write_checkpoint()          # the demo's chain is anchored at once (the automatic one comes every 1,000 events)
        db.session.commit()
        _vacuum(VACUUMED_TABLES)
    finally:
        if gc_enabled:
            gc.enable()
    gc.collect()
    total = time.perf_counter() - t0
    return f"demo region loaded: {people} people, seed {seed}, {total:.1f} s"


#: tables read by index-only scans (coverage dashboards and gap pages, the people list): their
#: visibility map is set right after the load instead of whenever autovacuum comes by
VACUUMED_TABLES = ("coverage_facts", "people")


def _vacuum(tables) -> None:
    """VACUUM (ANALYZE) ``tables`` on PostgreSQL (outside a transaction, as VACUUM must be)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM (ANALYZE) " + ", ".join(f'"{t}"' for t in tables)))


def _bulk_transaction() -> None:
    """Settings of this transaction only (PostgreSQL, SET LOCAL): the demo's set-based
    statements aggregate millions of rows once; memory for their hashes and sorts instead of
    spilling to disk, and no JIT compilation (seconds of it for a single run of each)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL work_mem = '64MB'"))
        db.session.execute(sa.text("SET LOCAL jit = off"))


def accounts_text(password: str) -> str:
    lines = ["Demo accounts (password for all: " + password + "):"]
    secrets_ = _demo_totp_secrets()
    for username, roles, _, note in DEMO_ACCOUNTS:
        lines.append(f"  {username:<10} {','.join(roles):<10} {note}")
    if secrets_:
        import pyotp
        lines.append("Two-factor authentication (required for hr, sysadmin, auditor, secadmin): add the secret to an "
                     "authenticator app, or use the current code (valid ~30 s; run `flask --app wsgi demo "
                     "accounts` again for a fresh one):")
        for username, secret in secrets_:
            lines.append(f"  {username:<10} secret {secret}  current code {pyotp.TOTP(secret).now()}")
    return "\n".join(lines)


def _demo_totp_secrets() -> list[tuple[str, str]]:
    """(username, TOTP secret) of the enrolled demo accounts (empty outside an app context)."""
    from flask import has_app_context
    if not has_app_context():
        return []
    from core.accounts.models import User
    names = [a[0] for a in DEMO_ACCOUNTS]
    try:
        rows = db.session.execute(sa.select(User.username, User.totp_secret).where(
            User.username.in_(names), User.totp_enabled.is_(True))).all()
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return []
    order = {n: i for i, n in enumerate(names)}
    return sorted(((r.username, r.totp_secret) for r in rows if r.totp_secret), key=lambda r: order[r[0]])

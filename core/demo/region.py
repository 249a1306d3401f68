"""The demo region's departments (山东省 → 东营市 → counties, agencies, towns) and people: names,
id numbers (hashed and encrypted), posts with their ranks, entry and appointment dates."""
from __future__ import annotations

import itertools
import random
from datetime import date, timedelta

import sqlalchemy as sa

from core import clock, crypto
from core.demo.bulk import BULK_BATCH, bulk_insert, reset_sequence
from core.demo.steps import DemoContext
from core.enums import DepartmentKind, PersonStatus
from core.extensions import db
from core.registry.codes import id_check_char, mask_id, uscc_check_char

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

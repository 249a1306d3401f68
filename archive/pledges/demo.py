"""Demo pledges (runs after the registry): the four templates with realistic texts, the
pre-appointment pledge assigned to nearly everyone and signed by 80-95 % per county, annual
pledges, publicity, fulfilment; the demo servant has one pledge to sign and a repair pledge.

Bulk inserts in batches (100,000 people in a few seconds); deterministic for a seed.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from archive.enums import PledgeKind
from archive.pledges import services
from archive.pledges.models import Pledge, PledgeStatus, PledgeTemplate
from archive.pledges.schedule import reminders_through
from core import changes, clock, wiring
from core.demo import DemoContext, DemoStep, bulk_insert, indexes_deferred
from core.extensions import db

# (kind, title, body): original texts written for the demo from the 政务诚信 policy documents
# (东营市加强政务诚信建设实施方案 "推动公务员在任职前，对自身遵纪守规、尽职尽责、诚实守信公开作出信用承诺").
PRE_V1_BODY = """为加强政务诚信建设，本人在任职前郑重承诺：遵纪守规、尽职尽责、诚实守信，自觉接受组织和群众监督。如有违反，愿承担相应责任，有关情况记入本人诚信档案。"""

TEMPLATES = [
    (PledgeKind.PRE_APPOINTMENT, "公务员任职前信用承诺书", """为加强政务诚信建设，树立守法守信、高效廉洁的公务员形象，本人在任职前郑重作出如下承诺：

一、遵纪守规。坚决拥护党的路线方针政策，严格遵守宪法、法律法规和党纪政纪，遵守《中华人民共和国公务员法》《中华人民共和国公职人员政务处分法》的各项规定，不做违反法律法规和纪律规定的事。

二、尽职尽责。忠于职守，勤勉敬业，坚持法定职责必须为、法无授权不可为，依法履行岗位职责，不推诿扯皮、不敷衍塞责、不懒政怠政，按时保质完成组织交办的各项工作任务。

三、诚实守信。对组织忠诚老实，如实报告个人有关事项，不隐瞒、不虚报；在行政管理和公共服务中言行一致、信守承诺，认真兑现依法作出的各项承诺，不弄虚作假，不失信违约。

四、廉洁自律。严格遵守中央八项规定及其实施细则精神，不以权谋私，不收受礼品礼金，不利用职务便利为本人或他人谋取不正当利益，自觉维护政府公信力。

五、接受监督。自觉接受组织监督、群众监督和社会监督。本承诺及其履行情况纳入本人诚信档案，作为考核、任用、奖惩的重要依据。

如违反上述承诺，本人自愿接受组织依法依规作出的处理并承担相应责任，有关情况记入本人政务失信记录。"""),
    (PledgeKind.ANNUAL, "{year}年度公务员诚信承诺书", """为持续推进政务诚信建设，本人就{year}年度依法履职作出如下承诺：

一、依法行政。严格依照法定权限和程序履行职责，规范行使行政权力，做到依法决策、依法执行、依法监督。

二、政务公开。坚持“公开为常态、不公开为例外”，按规定及时、准确、完整公开职责范围内的政务信息，不瞒报、不迟报。

三、勤政高效。优化办事流程，压缩办理时限，落实首问负责、一次性告知和限时办结制度，不让群众和企业多跑腿。

四、守信践诺。认真履行本单位和本人向社会作出的服务质量、办事期限等公开承诺，全面兑现依法出台的政策和签订的合同协议，不以换届、人员调整等理由推诿失信。

五、学习提升。按要求参加诚信教育培训，学习信用知识和典型案例，完成本年度诚信教育学时。

六、如实报告。按规定如实报告个人有关事项，年度内发生变化的及时向组织报告。

本人知悉：本承诺的履行情况将于年度末由所在单位核实记录，未履行的将按规定记入本人诚信档案。"""),
    (PledgeKind.SERVICE, "窗口岗位服务承诺书", """本人在窗口服务岗位工作期间，向服务对象和社会公开承诺：

一、热情服务。文明用语，规范着装，亮证上岗，对群众和企业的咨询做到有问必答、耐心解释。

二、一次告知。申请材料不齐全的，一次性书面告知需要补正的全部内容，不让办事群众反复往返。

三、限时办结。即办件当场办结，承诺件在公开的时限内办结；因故不能按期办结的，及时告知理由和预计办结时间。

四、公开透明。公开办事依据、条件、流程、时限和收费标准，不在公开内容之外另设条件，不乱收费。

五、廉洁办事。不吃拿卡要，不刁难群众，不收受服务对象的任何财物，不为任何单位或个人指定、介绍中介服务。

六、接受评价。主动接受“好差评”和社会监督，对投诉反映的问题限期整改并及时反馈。

如有违反，本人愿接受批评教育和相应处理，违诺情况记入本人诚信档案。"""),
    (PledgeKind.REPAIR, "政务失信信用修复承诺书", """本人因政务失信行为被记入诚信档案，已深刻认识到该行为对政府公信力和公共利益造成的不良影响。现申请信用修复，并郑重承诺：

一、本人在申请信用修复过程中提交的全部材料真实、准确、完整，不存在隐瞒事实、弄虚作假的情形。

二、本人已主动纠正失信行为，采取措施挽回损失、消除不良影响，或已有效阻止危害结果的发生，并将继续落实各项整改要求。

三、本人已参加信用修复专题培训，将认真汲取教训，在今后工作中严格依法履职、诚实守信。

四、自本承诺签署之日起，本人不再发生同类失信行为；如再次发生政务失信行为，自愿接受从重处理。

五、本人知悉：承诺不实或修复后违背承诺的，组织可撤销信用修复决定、恢复原失信记录，违背承诺的情况另行记入诚信档案。

本承诺自签署之日起生效。"""),
]

USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (Linux; Android 13; V2219A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0 Mobile Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0 Safari/537.36 UOS",
]
BATCH = 5000
#: every row carries every column, so each batch is one executemany
_EMPTY = dict.fromkeys(("opened_at", "last_reminded_on", "signed_at", "signed_on", "sha256", "ip", "user_agent",
                        "typed_name", "published_at", "cancelled_at", "cancel_reason"))


_OPENING_UTC: dict[date, datetime] = {}
_DIGESTS: dict[str, str] = {}


def _local_dt(day: date, rng) -> datetime:
    """A moment of office hours (08:30-17:30 Asia/Shanghai) on ``day``, in UTC. The day's
    opening is converted once (no offset change happens within office hours)."""
    opening = _OPENING_UTC.get(day)
    if opening is None:
        opening = _OPENING_UTC[day] = datetime.combine(day, time(8, 30), tzinfo=clock.zone()).astimezone(UTC)
    return opening + timedelta(minutes=rng.randrange(9 * 60))


def _digest(text: str) -> str:
    digest = _DIGESTS.get(text)
    if digest is None:
        digest = _DIGESTS[text] = services.text_sha256(text)
    return digest


def _templates(ctx: DemoContext, hr) -> dict[PledgeKind | str, PledgeTemplate]:
    """The published template of each kind, and ``"pre_v1"``: the retired first version."""
    out: dict[PledgeKind | str, PledgeTemplate] = {}
    year = ctx.today.year
    for kind, title, body in TEMPLATES:
        title, body = title.format(year=year), body.format(year=year)
        if kind is PledgeKind.PRE_APPOINTMENT:   # a retired first version shows the history
            first = services.create_template(kind=kind, title="任职前信用承诺书", body=PRE_V1_BODY,
                                             created_by=hr, publish=True)
            tpl = services.new_version(first, title=title, body=body, created_by=hr)
            services.publish_template(tpl)
            out["pre_v1"] = first
        else:
            tpl = services.create_template(kind=kind, title=title, body=body, created_by=hr, publish=True)
        out[kind] = tpl
    db.session.flush()
    return out


class _Rows:
    """Buffered bulk insert of pledge rows (COPY on PostgreSQL, every ``PER_WRITE`` rows)."""

    PER_WRITE = 50_000

    def __init__(self):
        self.buf: list[dict] = []
        self.count = 0

    def add(self, row: dict) -> None:
        self.buf.append(row)
        if len(self.buf) >= self.PER_WRITE:
            self.flush()

    def flush(self) -> None:
        if self.buf:
            self.count += bulk_insert(Pledge, self.buf)
            self.buf = []


def _row(tpl, person, assigned_on: date, due_on: date, rng, today: date, *, sign_on=None,
         hr_id=None) -> dict:
    pid, _path, appointed_on, entry_date, post, name = person
    row: dict[str, object] = dict(_EMPTY)
    assigned_at = _local_dt(assigned_on, rng)
    row.update({"person_id": pid, "template_id": tpl.id, "kind": tpl.kind.value, "batch": "demo",
           "assigned_at": assigned_at, "assigned_on": assigned_on, "assigned_by_id": hr_id,
           "due_on": due_on, "post_at_assignment": post, "post_since": appointed_on or entry_date,
           "status": PledgeStatus.ASSIGNED.value, "reminders_sent": 0, "published": False, "version": 1})
    if sign_on is not None:
        signed_at = max(_local_dt(sign_on, rng), assigned_at + timedelta(minutes=5))
        row.update(status=PledgeStatus.SIGNED.value, signed_at=signed_at, signed_on=sign_on,
                   opened_at=signed_at - timedelta(minutes=3 + rng.randrange(20)),
                   sha256=_digest(tpl.text), typed_name=name,
                   ip=f"10.{rng.randrange(20, 60)}.{rng.randrange(256)}.{rng.randrange(2, 250)}",
                   user_agent=rng.choice(USER_AGENTS))
    else:
        sent, last = reminders_through(assigned_on, today - timedelta(days=1))
        row.update(reminders_sent=sent, last_reminded_on=last)
    return row


def demo_pledges(ctx: DemoContext) -> None:
    from core.accounts.models import User
    from core.registry.models import Person
    rng = ctx.rng_for("pledges")
    today = ctx.today
    for what in (changes.PLEDGE, changes.FILE):
        changes.changed(None, what)     # everyone's pledges and their prints (core.changes)
    hr = db.session.get(User, ctx.accounts.get("hr_city") or ctx.accounts.get("hr") or 0)
    hr_id = hr.id if hr else None
    tpls = _templates(ctx, hr)
    pre, pre_v1, annual = tpls[PledgeKind.PRE_APPOINTMENT], tpls["pre_v1"], tpls[PledgeKind.ANNUAL]
    v2_since = today - timedelta(days=400)
    county_rates = {path: rng.uniform(0.80, 0.95) for path in
                    (ctx.department_paths[cid] for cid in ctx.county_ids.values())}
    city_rate = rng.uniform(0.85, 0.95)
    servant_pid = ctx.account_people.get("servant")
    people = db.session.execute(
        sa.select(Person.id, Person.department_path, Person.appointed_on, Person.entry_date, Person.post, Person.name)
        .where(Person.status == "active").order_by(Person.id)).all()
    rows = _Rows()
    year_start = date(today.year, 1, 1)
    annual_on = min(today, year_start + timedelta(days=9))
    with indexes_deferred(Pledge):     # built once after the rows (PostgreSQL)
        for person in people:
            pid, path, appointed_on, entry_date = person[0], person[1], person[2], person[3]
            since = appointed_on or entry_date
            rate = next((r for p, r in county_rates.items() if path.startswith(p)), city_rate)
            if pid == servant_pid:
                continue
            if rng.random() < 0.015:     # never assigned: "everyone missing" has work to do
                continue
            if rng.random() < rate:
                assigned_on = min(today, since + timedelta(days=rng.randrange(4)))
                sign_on = min(today, assigned_on + timedelta(days=rng.choice((0, 0, 1, 2, 3, 5, 8, 12))))
                tpl = pre if assigned_on >= v2_since else pre_v1
                rows.add(_row(tpl, person, assigned_on, assigned_on + timedelta(days=15), rng, today,
                              sign_on=sign_on, hr_id=hr_id))
            else:
                assigned_on = max(since, today - timedelta(days=rng.randrange(46)))
                rows.add(_row(pre, person, assigned_on, assigned_on + timedelta(days=15), rng, today, hr_id=hr_id))
            if annual_on < today and rng.random() < 0.35:   # this year's annual pledge, for part of the region
                annual_sign: date | None = (annual_on + timedelta(days=rng.randrange(1, 20))
                                            if rng.random() < 0.75 else None)
                if annual_sign is not None and annual_sign > today:
                    annual_sign = today
                rows.add(_row(annual, person, annual_on, annual_on + timedelta(days=20), rng, today,
                              sign_on=annual_sign, hr_id=hr_id))
        rows.flush()
    _servant(ctx, tpls, hr)
    _publicity_and_fulfilment(ctx, rng, hr)


def _servant(ctx: DemoContext, tpls, hr) -> None:
    """The demo servant: a pre-appointment pledge to sign (assigned 6 days ago, reminded once)
    and a credit-repair pledge available."""
    from core.registry.models import Person
    pid = ctx.account_people.get("servant")
    person = db.session.get(Person, pid) if pid else None
    if person is None:
        return
    today = ctx.today
    for kind, days_ago in ((PledgeKind.PRE_APPOINTMENT, 6), (PledgeKind.REPAIR, 0)):
        result = services.assign(tpls[kind], [person.id], assigned_by=hr, today=today - timedelta(days=days_ago),
                                 due_on=today + timedelta(days=9 if days_ago else 15))
        if result.batch and days_ago:   # reminded once, on day 5
            p = db.session.execute(sa.select(Pledge).filter_by(batch=result.batch)).scalar_one()
            p.reminders_sent, p.last_reminded_on = 1, today - timedelta(days=1)
    db.session.flush()


def _publicity_and_fulfilment(ctx: DemoContext, rng, hr) -> None:
    """公示 ~8 % of signed pre-appointment pledges; 践诺 kept for a few hundred, not kept for a few."""
    from archive.pledges.models import PledgeFulfilment
    from core.guards import allow_bulk
    signed = db.session.execute(
        sa.select(Pledge.id, Pledge.person_id, Pledge.signed_at).where(
            Pledge.status == PledgeStatus.SIGNED, Pledge.kind == PledgeKind.PRE_APPOINTMENT)
        .order_by(Pledge.id)).all()
    published = [r for r in signed if rng.random() < 0.08]
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    with allow_bulk("demo data: publicity of demo pledges"):
        # PostgreSQL: one statement with the ids as one array parameter (= ANY), not 5,000
        # placeholders a batch (whose parsing and planning cost more than the update)
        size = len(published) if postgresql else BATCH
        for start in range(0, len(published), max(1, size)):
            ids = [r.id for r in published[start:start + size]]
            where = (Pledge.id == sa.any_(sa.bindparam("ids", ids, type_=ARRAY(sa.Integer)))) if postgresql \
                else Pledge.id.in_(ids)
            db.session.execute(sa.update(Pledge).where(where)
                               .values(published=True, published_at=Pledge.signed_at)
                               .execution_options(synchronize_session=False))
    last_year = str(ctx.today.year - 1)
    kept = rng.sample(signed, min(300, len(signed)))
    now = clock.utcnow()
    db.session.execute(sa.insert(PledgeFulfilment), [
        {"pledge_id": r.id, "person_id": r.person_id, "period": last_year, "kept": True,
         "facts": "年度考核和日常监督中未发现违反承诺的情形。", "recorded_by_id": getattr(hr, "id", None),
         "recorded_at": now} for r in kept])
    try:
        import archive.file.services  # noqa: F401 - "not kept" creates a draft record there
    except ImportError:
        return
    taken = {r.id for r in kept}
    for r in [r for r in signed if r.id not in taken][:3]:
        services.record_fulfilment(db.session.get_one(Pledge, r.id), period=last_year, kept=False, recorded_by=hr,
                                   facts="在窗口服务中未按公开承诺时限办结群众申请事项，经核实属实。",
                                   decided_on=ctx.today - timedelta(days=20))


def register() -> None:
    """This package's demo step(s), in core.wiring (called from the package's register_cli)."""
    wiring.register(wiring.DEMO_STEP, "demo_pledges", DemoStep(30, demo_pledges))

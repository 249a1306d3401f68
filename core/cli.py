"""Command line of API.md: users, tokens, audit, demo, keys, worker (flask --app wsgi ...)."""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from core.extensions import db

users = AppGroup("users", help="Manage accounts.")
tokens = AppGroup("tokens", help="API tokens.")
audit = AppGroup("audit", help="The audit log.")
demo = AppGroup("demo", help="Demo data.")
keys = AppGroup("keys", help="Encryption keys for personal data.")


@users.command("create")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice(["servant", "hr", "committee", "sysadmin", "auditor", "secadmin"]))
@click.option("--department", "department_id", type=int)
@click.option("--person", "person_id", type=int)
@click.option("--name", "display_name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--one-time", is_flag=True, help="The password must be changed at the first login.")
def users_create(username, roles, department_id, person_id, display_name, password_stdin, one_time):
    """Create an account (asks the password, or --password-stdin).

    The operator's bootstrap: the roles take effect at once (the two-person approval of role
    grants applies to the web and the API); audited as an operator act."""
    from core.accounts.services import create_user
    from core.errors import DomainError
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(username=username, display_name=display_name or username, roles=roles,
                           password=password, department_id=department_id, person_id=person_id,
                           immediate=True, one_time=one_time)
    except DomainError as exc:
        db.session.rollback()
        for field, msg in exc.fields.items():
            click.echo(f"{field}: {msg}", err=True)
        raise SystemExit(2) from None
    db.session.commit()
    click.echo(f"created user {user.username} (id {user.id}) roles={','.join(sorted(user.roles))}")


@users.command("provision")
@click.option("--department", "department_id", type=int, required=True, help="Root of the department subtree.")
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True),
              help="Where to write the slips PDF (default activation-slips-<batch>.pdf).")
def users_provision(department_id, out):
    """Activation codes for the people of a subtree who have no account; writes the slips PDF."""
    from pathlib import Path

    from core.accounts.activation import create_batch, slips_pdf
    from core.registry.models import Department
    dept = db.session.get(Department, department_id) if 0 < department_id < 2**31 else None
    if dept is None:
        click.echo(f"no such department: {department_id}", err=True)
        raise SystemExit(2)
    result = create_batch(actor=None, department=dept)
    pdf = slips_pdf(result.batch)
    db.session.commit()
    b = result.batch
    path = Path(out or f"activation-slips-{b.id}.pdf")
    path.write_bytes(pdf)
    click.echo(f"batch {b.id}: {b.created} codes ({b.sent_email} by e-mail, {b.sent_sms} by SMS, "
               f"{b.created - b.sent_email - b.sent_sms} on slips), {b.skipped} skipped; slips written to {path}")


@tokens.command("create")
@click.argument("username")
@click.option("--name", default="cli")
@click.option("--read-only", is_flag=True, help="The token may only read (GET).")
@click.option("--days", type=click.IntRange(0, 3650), default=None,
              help="Expiry in days (default API_TOKEN_DAYS, 90; 0: never).")
def tokens_create(username, name, read_only, days):
    """Print a new API token for USERNAME (it acts at once, with the default expiry)."""
    from core.accounts.models import User
    from core.accounts.tokens import create_token
    user = db.session.execute(db.select(User).filter_by(username=username)).scalar_one_or_none()
    if user is None:
        click.echo(f"no such user: {username}", err=True)
        raise SystemExit(2)
    token = create_token(user, name, read_only=read_only, days=days)
    db.session.commit()
    click.echo(token)


@audit.command("verify")
def audit_verify():
    """Check the hash chain; exit 1 and name the first broken event if it is not intact."""
    from core.audit.services import verify_chain
    report = verify_chain()
    if report.ok:
        click.echo(f"audit chain intact: {report.checked} events")
        if report.witness:
            click.echo(report.witness)
        return
    click.echo(f"audit chain BROKEN at event {report.first_broken_id}: {report.problem}", err=True)
    raise SystemExit(1)


@audit.command("checkpoint")
def audit_checkpoint():
    """Sign the current head of the chain (cron; also written every AUDIT_CHECKPOINT_EVERY events)."""
    from core.audit.services import write_checkpoint
    cp = write_checkpoint()
    db.session.commit()
    click.echo(f"checkpoint at event {cp.event_id}" if cp else "no events yet")


@demo.command("load")
@click.option("--people", default=2000, show_default=True, type=click.IntRange(10, 1_000_000))
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has people.")
def demo_load(people, seed, if_empty):
    """Load a realistic synthetic region (deterministic for a seed)."""
    from core.demo import database_is_empty, load_demo
    if if_empty and not database_is_empty():
        click.echo("database already has data; demo not loaded")
        return
    report = load_demo(people=people, seed=seed, echo=click.echo)
    click.echo(report)


@demo.command("accounts")
def demo_accounts():
    """Print the demo accounts (one per role)."""
    from core.demo.accounts import accounts_text
    click.echo(accounts_text(current_app.config["DEMO_PASSWORD"]))
    from core.accounts.activation import demo_activation_text
    try:
        text = demo_activation_text()
    except Exception as exc:  # noqa: BLE001 - no demo data (or no schema) yet: the accounts are printed anyway
        db.session.rollback()
        click.echo(f"(no activation code: {exc.__class__.__name__})")
        return
    db.session.commit()
    click.echo(text)


@keys.command("rotate")
def keys_rotate():
    """Re-encrypt every id number and TOTP seed with the newest key of ID_ENCRYPTION_KEYS."""
    from sqlalchemy.orm.attributes import flag_modified

    from core.accounts.models import User
    from core.crypto import rotate
    from core.guards import allow_bulk
    from core.registry.models import Person
    n = 0
    with allow_bulk("key rotation"):
        for person in db.session.execute(db.select(Person)).scalars().yield_per(1000):
            person.id_cipher = rotate(person.id_cipher)
            n += 1
    # the seed column decrypts on load with any configured key and encrypts on write with the newest
    users = db.session.execute(db.select(User).where(User.totp_secret.is_not(None))).scalars().all()
    for user in users:
        flag_modified(user, "totp_secret")
    db.session.commit()
    click.echo(f"re-encrypted {n} id numbers and {len(users)} TOTP seeds")


jobs_group = AppGroup("jobs", help="Background jobs.")


@jobs_group.command("reap")
def jobs_reap():
    """Fail the running jobs whose worker died (no heartbeat): partial files removed, serials voided (cron)."""
    from core.jobs import reap_dead_jobs
    click.echo(f"{reap_dead_jobs()} dead job(s) marked failed")


files_group = AppGroup("files", help="Uploaded files.")


@files_group.command("clean-drafts")
@click.option("--older-than-hours", type=float, default=None,
              help="Default: DRAFT_ATTACHMENT_HOURS (24).")
def files_clean_drafts(older_than_hours):
    """Remove the files of draft attachments no form claimed (daily cron); the rows are kept, marked expired."""
    from core.files import clean_unclaimed_drafts
    hours = older_than_hours if older_than_hours is not None else current_app.config["DRAFT_ATTACHMENT_HOURS"]
    n, freed = clean_unclaimed_drafts(hours)
    db.session.commit()
    click.echo(f"{n} unclaimed draft attachment(s) older than {hours:g} h cleaned up, {freed} bytes freed")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Exit when the queue is empty.")
def worker(burst):
    """Run background job workers on the Redis queue (imports WeasyPrint once, not per job)."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        click.echo("REDIS_URL is not set: jobs run in-process in the web application; no worker needed.")
        return
    from core.jobs import apply_memory_limit
    limit = apply_memory_limit(current_app.config.get("WORKER_MEMORY_MB"))
    if limit:
        click.echo(f"worker memory limit: {limit // (1024 * 1024)} MB (WORKER_MEMORY_MB)")
    import weasyprint  # noqa: F401 - import once in the parent, not per job
    from redis import Redis
    from rq import Queue, SimpleWorker

    from core.pdf import font_config
    font_config()
    app = current_app._get_current_object()

    class AppWorker(SimpleWorker):
        """Runs jobs in this process (no fork): the app, fonts and WeasyPrint stay loaded."""

        def perform_job(self, job, queue):
            with app.app_context():
                return super().perform_job(job, queue)

    conn = Redis.from_url(url)
    from core.jobs import reap_dead_jobs
    reaped = reap_dead_jobs()
    if reaped:
        click.echo(f"{reaped} job(s) of a dead worker marked failed (retryable)")
    AppWorker([Queue(current_app.config.get("RQ_QUEUE", "integrity"), connection=conn)], connection=conn).work(
        burst=burst)


def init_app(app) -> None:
    for group in (users, tokens, audit, demo, keys):
        app.cli.add_command(group)
    app.cli.add_command(worker)
    app.cli.add_command(jobs_group)
    app.cli.add_command(files_group)
    from core import db_roles
    db_roles.init_app(app)
    from core.workcal import cli as calendar_cli
    calendar_cli.init_app(app)

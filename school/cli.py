"""Command-line tools: `flask create-user`, `flask init-school`, `flask seed-demo`, `flask import-roster`,
`flask backup`, `flask purge`."""

from __future__ import annotations

import click
from flask import Flask

from school import demo
from school.accounts import service as accounts
from school.backup import BackupError, backup
from school.catalogue import ensure_catalogue
from school.extensions import db
from school.families.roster_import import import_roster_file
from school.families.topics import ensure_topics
from school.families.uploads import UPLOAD_MAX_AGE, sweep_uploads
from school.policy import Role
from school.privacy import service as privacy


def init_school() -> None:
    """The catalogue of contact forms and the intake checklist (idempotent)."""
    ensure_catalogue()
    ensure_topics()
    db.session.commit()


def init_app(app: Flask) -> None:
    @app.cli.command("init-school")
    def init_school_command() -> None:
        """Add the seeded contact forms and intake topics that are missing."""
        init_school()
        click.echo("Catalogue and intake checklist are in place.")

    @app.cli.command("create-user")
    @click.option("--email", prompt=True)
    @click.option("--name", prompt=True)
    @click.option(
        "--role",
        type=click.Choice(["admin", "director", "care", "teacher", "reception"]),
        default="admin",
        show_default=True,
    )
    @click.password_option(help="At least 12 characters.")
    def create_user_command(email: str, name: str, role: str, password: str) -> None:
        """Create an account (the first admin, typically)."""
        if len(password) < app.config["PASSWORD_MIN_LENGTH"]:
            raise click.BadParameter("use at least 12 characters", param_hint="password")
        try:
            user = accounts.create_user(name=name, email=email, role=Role(role), password=password)
        except accounts.EmailTaken as exc:
            raise click.ClickException(f"an account with {email} exists already") from exc
        click.echo(f"Created {user.role.value} account {user.email}.")

    @app.cli.command("import-roster")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    @click.option("--profile", default=None,
                  help="A profile the school saved, or smartschool, informat, handmade, wisa. "
                       "Default: the one the file's columns are recognised as.")
    @click.option("--dry-run", is_flag=True, help="Show what would change, change nothing.")
    @click.option("--mark-left", is_flag=True,
                  help="Confirm: mark the pupils the summary lists as gone as left (never deleted).")
    @click.option("--left-on", default=None, metavar="DATE",
                  help="The day they left (dd/mm/yyyy or yyyy-mm-dd). Default: today.")
    def import_roster_command(file: str, profile: str | None, dry_run: bool, mark_left: bool,
                              left_on: str | None) -> None:
        """Import pupils, classes and caregivers from a CSV or XLSX roster (Smartschool, Informat, Wisa
        or a hand-made sheet); only the differences are applied."""
        if not import_roster_file(file, profile=profile, dry_run=dry_run, echo=click.echo,
                                  mark_left=mark_left, left_on=left_on):
            raise click.exceptions.Exit(1)

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False))
    def backup_command(path: str) -> None:
        """Write a consistent copy of the database to PATH while the app keeps running."""
        try:
            written = backup(app.config["SQLALCHEMY_DATABASE_URI"], path)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"Backup written to {written}.")

    @app.cli.command("purge")
    @click.option("--dry-run", is_flag=True, help="List the households that would be erased; erase nothing.")
    def purge_command(dry_run: bool) -> None:
        """Erase households whose children all left more than RETENTION_MONTHS months ago."""
        months = int(app.config["RETENTION_MONTHS"])
        found, erased = privacy.purge(dry_run=dry_run)
        # Names only in the dry run: what is erased must not live on in a cron log.
        for c in found if dry_run else ():
            click.echo(f"would erase: household {c.household_id} ({c.name}), "
                       f"last child left on {c.last_left_on.isoformat()}")
        for e in erased:
            click.echo(f"erased: {e.pseudonym} (in the audit trail)")
        verb = "would be erased" if dry_run else "erased"
        click.echo(f"{len(found)} household(s) {verb} (children all left more than {months} months ago).")
        # Roster files someone uploaded and never imported hold pupils' and parents' data too.
        swept = sweep_uploads(dry_run=dry_run)
        verb = "would be removed" if dry_run else "removed"
        hours = int(UPLOAD_MAX_AGE.total_seconds() // 3600)
        click.echo(f"{swept} uploaded roster file(s) {verb} (older than {hours} hours).")

    @app.cli.command("seed-demo")
    def seed_demo_command() -> None:
        """Load the demo school into an empty database (deterministic, idempotent)."""
        init_school()
        if demo.seed():
            click.echo("Demo school loaded.")
        elif not demo.is_loaded():
            click.echo("The database already holds a school's data: the demo was not loaded.")
            return
        else:
            click.echo("Demo school already present.")
        demo.print_logins(click.echo)

"""`flask backup` under write load, restored into a fresh instance and migrated."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import uuid

import pytest
from sqlalchemy import create_engine, func, select, text

from school.audit import AuditEvent
from tests.factories.app import make_app


def _count(url: str, where: str = "") -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(f"SELECT count(*) FROM audit_events {where}")).scalar_one()
    finally:
        engine.dispose()


def _writer(url: str, stop: threading.Event, committed: list[int]) -> None:
    """Commit audit rows one by one until told to stop; remembers how many."""
    engine = create_engine(url)
    try:
        while not stop.is_set():
            with engine.begin() as conn:
                conn.execute(
                    AuditEvent.__table__.insert().values(action="load.write", detail={"n": len(committed)})
                )
            committed.append(1)
    finally:
        engine.dispose()


def test_backup_while_writing_restores_every_committed_row(app, runner, tmp_path):
    from school.extensions import db

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        for i in range(200):
            db.session.add(AuditEvent(action="before.backup", detail={"i": i}))
        db.session.commit()
    postgres = url.startswith("postgresql")
    if postgres and shutil.which("pg_restore") is None:
        pytest.skip("pg_restore is not installed")

    stop, committed = threading.Event(), []
    writer = threading.Thread(target=_writer, args=(url, stop, committed))
    writer.start()
    try:
        while len(committed) < 20:  # the backup starts in the middle of the writing
            stop.wait(0.01)
        before = _count(url, "WHERE action = 'load.write'")
        target = tmp_path / "backup.dump"
        result = runner.invoke(args=["backup", str(target)])
        assert result.exit_code == 0, result.output
        assert "Backup written" in result.output
    finally:
        stop.set()
        writer.join(timeout=30)
    after = _count(url, "WHERE action = 'load.write'")
    assert after > before  # the writer kept writing during the backup

    restored_url = _restore(url, target, tmp_path, postgres)
    restored = make_app(restored_url, tmp_path / "restored")
    with restored.app_context():
        from flask_migrate import upgrade

        upgrade()  # a restored backup migrates like any database
        rdb = restored.extensions["sqlalchemy"]
        assert rdb.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "before.backup")
        ) == 200
        loaded = rdb.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "load.write")
        )
        assert before <= loaded <= after
        if not postgres:
            assert rdb.session.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
        rdb.session.remove()
        rdb.engine.dispose()
    # A backup never overwrites a file.
    again = runner.invoke(args=["backup", str(target)])
    assert again.exit_code != 0 and "exists already" in again.output


def _restore(url: str, target, tmp_path, postgres: bool) -> str:
    if not postgres:
        copy = tmp_path / "restored.sqlite"
        shutil.copyfile(target, copy)
        return f"sqlite:///{copy}"
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"restore_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    restored = base.set(database=name)
    libpq = restored.set(drivername="postgresql").render_as_string(hide_password=False)
    subprocess.run(
        ["pg_restore", "--no-owner", f"--dbname={libpq}", str(target)], check=True, env=dict(os.environ)
    )
    return restored.render_as_string(hide_password=False)

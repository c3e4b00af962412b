"""A consistent copy of the database while the app keeps writing.

SQLite: the online backup API copies a snapshot page by page; writers that
commit during the copy make it start over from their new state, so the copy
is always one committed state of the whole file. PostgreSQL: pg_dump (custom
format), which reads one snapshot in a single transaction.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    pass


def backup(database_uri: str, target: str | Path) -> Path:
    """Write a backup of the database at `database_uri` to `target`; returns the path."""
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} exists already; choose a new file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    url = make_url(database_uri)
    if url.get_backend_name() == "sqlite":
        _sqlite_backup(url.database or "", target)
    elif url.get_backend_name() == "postgresql":
        _pg_dump(url, target)
    else:
        raise BackupError(f"no backup method for {url.get_backend_name()}")
    return target


def _sqlite_backup(source_path: str, target: Path) -> None:
    if not source_path or not Path(source_path).exists():
        raise BackupError(f"no SQLite database at {source_path!r}")
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=30)
    destination = sqlite3.connect(target)
    try:
        source.backup(destination)
        check = destination.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"the copy failed its integrity check: {check}")
    finally:
        destination.close()
        source.close()


def _pg_dump(url, target: Path) -> None:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError("pg_dump is not installed (apt-get install postgresql-client)")
    libpq_url = url.set(drivername="postgresql").render_as_string(hide_password=False)
    subprocess.run(
        [pg_dump, "--format=custom", "--no-owner", f"--file={target}", f"--dbname={libpq_url}"],
        check=True,
    )

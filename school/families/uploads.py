"""Uploaded roster files, kept a short while between the upload and the import (never longer)."""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import time
from pathlib import Path

from flask import current_app

from school.accounts.models import User

_UPLOAD_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
UPLOAD_MAX_AGE = dt.timedelta(hours=12)


def _upload_dir() -> Path:
    path = Path(current_app.instance_path) / "roster-uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


class UploadExpired(Exception):
    """The stored roster is older than UPLOAD_MAX_AGE: it was removed, the user uploads it again."""


def _too_old(mtime: float) -> bool:
    return mtime < time.time() - UPLOAD_MAX_AGE.total_seconds()


def sweep_uploads(*, dry_run: bool = False) -> int:
    """Remove stored rosters older than UPLOAD_MAX_AGE (pupils' and parents' names and numbers
    must not wait on disk for the next upload); returns how many uploads were (or would be) removed."""
    folder = Path(current_app.instance_path) / "roster-uploads"
    if not folder.is_dir():
        return 0
    tokens = set()
    for old in folder.glob("*"):
        try:
            if not _too_old(old.stat().st_mtime):
                continue
        except OSError:
            continue
        tokens.add(old.stem)
        if not dry_run:
            old.unlink(missing_ok=True)
    return len(tokens)


def store_upload(data: bytes, filename: str, user: User) -> str:
    """Keep an uploaded roster between the steps, under a random token (never in the cookie)."""
    folder = _upload_dir()
    sweep_uploads()
    token = secrets.token_urlsafe(24)
    (folder / f"{token}.bin").write_bytes(data)
    (folder / f"{token}.json").write_text(json.dumps({"filename": filename[:200], "user_id": user.id}))
    return token


def load_upload(token: str, user: User) -> tuple[bytes, str] | None:
    """The stored file of this user, or None (unknown, another user's).

    Raises UploadExpired (and removes the file) when it is older than UPLOAD_MAX_AGE.
    """
    if not _UPLOAD_TOKEN.match(token or ""):
        return None
    folder = _upload_dir()
    try:
        meta = json.loads((folder / f"{token}.json").read_text())
        stored_at = (folder / f"{token}.bin").stat().st_mtime
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict) or meta.get("user_id") != user.id:
        return None
    if _too_old(stored_at):
        delete_upload(token)
        raise UploadExpired(token)
    try:
        data = (folder / f"{token}.bin").read_bytes()
    except OSError:
        return None
    return data, str(meta.get("filename", ""))


def delete_upload(token: str) -> None:
    if not _UPLOAD_TOKEN.match(token or ""):
        return
    folder = _upload_dir()
    for suffix in (".bin", ".json"):
        (folder / f"{token}{suffix}").unlink(missing_ok=True)

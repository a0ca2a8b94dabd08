"""Helpers for the account, audit and page tests: a cheap password hasher and one account per role.

Import the fixtures into a test module (``from tests.accounts import cheap_hasher, people  # noqa: F401``).
"""
from __future__ import annotations

from datetime import datetime

import pytest
from argon2 import PasswordHasher, profiles

from tracker import auth

PASSWORD = "correct-horse-9"
AT = datetime(2024, 10, 8, 9, 0)

#: username → (role, unit)
PEOPLE = {
    "lingdao": (auth.LEADERSHIP, None),
    "fgw": (auth.DEPARTMENT, "市发改委"),
    "jxj": (auth.DEPARTMENT, "市经信局"),
    "kecheng": (auth.COUNTY, "柯城区政府"),
    "ducha": (auth.SUPERVISOR, None),
    "guanli": (auth.ADMIN, None),
}


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch):
    """argon2id with the library's cheapest parameters: the same code path, a thousand times faster."""
    monkeypatch.setattr(auth, "HASHER", PasswordHasher.from_parameters(profiles.CHEAPEST))
    monkeypatch.setattr(auth, "_DUMMY_HASH", None)


def make_people(con, now: datetime = AT) -> dict[str, auth.Account]:
    """One account per role (see :data:`PEOPLE`), all with :data:`PASSWORD`, created by the command line."""
    return {name: auth.create_account(con, "os:tester", name, name, role, PASSWORD, unit=unit, now=now)
            for name, (role, unit) in PEOPLE.items()}


@pytest.fixture
def people(con) -> dict[str, auth.Account]:
    return make_people(con)


def last_audit_id(con) -> int:
    return con.execute("SELECT coalesce(max(audit_id), 0) FROM audit_log").fetchone()[0]


def audit_rows(con, *columns: str, after: int = 0) -> list[tuple]:
    """Audit records after id ``after`` (the build's own ``document_load`` records come first)."""
    columns = columns or ("actor", "action", "target")
    return con.execute(f"SELECT {', '.join(columns)} FROM audit_log WHERE audit_id > ? ORDER BY audit_id",
                       [after]).fetchall()

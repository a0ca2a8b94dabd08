"""Command-line writes and exports that work while the dashboard holds the database.

DuckDB lets one process at a time open a database file (while one process has it
read-write, others cannot open it even read-only). The dashboard keeps its file open
for as long as it runs; CLI commands (a batch upload, four units uploading at once, a
scheduled export or backup) are short. So:

* A CLI command (:func:`run`) first asks whether a process **serves** the database: the
  dashboard does (:func:`serve`), from the moment it opens its connection, on a Unix
  socket that only the same system user can reach. If so, the command is handed over:
  its parsed arguments go over the socket, the dashboard runs the same function on a
  cursor of its own connection (in a thread, so several run at once, their writes kept
  apart by :func:`tracker.db.write_transaction`) and sends back the exit code and the
  text the command printed; the CLI prints that and exits with that code. The user sees
  the same output either way. Nothing is written to disk on the way (a password given
  to ``--account`` stays in memory).
* Otherwise the CLI opens the file itself, waiting with back-off while another short
  command holds it (:func:`tracker.db.connect_when_free`), runs the command, closes it.

If the serving process dies in the middle, the CLI sees the socket close and runs the
command itself once the file is free. The command may then have run already; every
command here is idempotent (an upload already stored comes back ``unchanged``, an
export or backup is written again), so running it twice is safe. Only the commands
named in :data:`COMMANDS` can be run this way.
"""
from __future__ import annotations

import argparse
import atexit
import hashlib
import importlib
import io
import json
import os
import socket
import socketserver
import struct
import sys
import tempfile
import threading
import time
import weakref
from pathlib import Path
from typing import Callable, TextIO

import duckdb

from tracker.db import DatabaseBusy, busy_message, connect_when_free

#: What may run through a serving process: name → "module:function(con, args, out, err) -> exit code".
COMMANDS = {
    "upload": "loaders.progress_cli:upload_command",
    "template": "loaders.progress_cli:template_command",
    "export-progress": "tracker.commands:export_progress",
    "export-targets": "tracker.commands:export_targets",
    "export-overdue": "tracker.commands:export_overdue",
    "export-briefing": "tracker.commands:export_briefing",
    "backup": "tracker.commands:backup_command",
    "account-list": "tracker.commands:account_list",
    "account-set-password": "tracker.commands:account_set_password",
}

DEFAULT_TIMEOUT = 600.0
MAX_REQUEST = 1024 * 1024

Command = Callable[[duckdb.DuckDBPyConnection, argparse.Namespace, TextIO, TextIO], int]


def command(name: str) -> Command:
    module, func = COMMANDS[name].split(":")
    return getattr(importlib.import_module(module), func)


def socket_path(db: Path | str) -> Path:
    """Where the process serving ``db`` listens: short (sockets allow ~100 bytes), private to the user."""
    key = hashlib.sha256(str(Path(db).absolute()).encode()).hexdigest()[:24]
    return Path(tempfile.gettempdir()) / f"tracker-{os.getuid()}" / f"{key}.sock"


# ---------------------------------------------------------------------------- the CLI side


def run(db: Path | str, name: str, args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None,
        timeout: float = DEFAULT_TIMEOUT) -> int:
    """Run command ``name`` on ``db``: in the process serving it if there is one, else here.

    Returns the command's exit code (3 when the database stayed busy for ``timeout`` seconds).
    """
    out, err = out or sys.stdout, err or sys.stderr
    deadline = time.monotonic() + timeout
    told = False
    while True:
        answer = _ask_server(db, name, args)
        if answer is not None:
            out.write(answer["out"])
            err.write(answer["err"])
            return int(answer["code"])
        try:
            con = connect_when_free(db, timeout=min(1.0, max(0.0, deadline - time.monotonic())))
        except DatabaseBusy:
            if time.monotonic() >= deadline:
                print(f"错误：{busy_message(db, timeout)}", file=err)
                return 3
            if not told:
                print("数据库正被另一个程序使用，正在等待…", file=err)
                told = True
            continue
        try:
            return command(name)(con, args, out, err)
        finally:
            con.close()


def _ask_server(db, name: str, args: argparse.Namespace) -> dict | None:
    """The server's answer, or None when no process serves ``db`` or it went away mid-way."""
    path = socket_path(db)
    if not path.exists():
        return None
    request = json.dumps({"command": name, "args": encode_args(args)}, ensure_ascii=False).encode()
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.connect(str(path))
            s.sendall(request + b"\n")
            s.shutdown(socket.SHUT_WR)
            reply = b"".join(iter(lambda: s.recv(65536), b""))
        return json.loads(reply) if reply else None
    except (ConnectionError, FileNotFoundError, ValueError, OSError):
        return None


def encode_args(args: argparse.Namespace) -> dict:
    """The parsed arguments as JSON: paths made absolute (the server has another working directory)."""
    encoded = {}
    for key, value in vars(args).items():
        if callable(value):
            continue
        if isinstance(value, Path):
            value = {"path": str(value.absolute())}
        encoded[key] = value
    return encoded


def decode_args(encoded: dict) -> argparse.Namespace:
    return argparse.Namespace(**{k: Path(v["path"]) if isinstance(v, dict) and set(v) == {"path"} else v
                                 for k, v in encoded.items()})


# ---------------------------------------------------------------------------- the serving side


class _Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        server: Server = self.server.owner   # type: ignore[attr-defined]
        out, err = io.StringIO(), io.StringIO()
        try:
            uid = struct.unpack("3i", self.request.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))[1] \
                if hasattr(socket, "SO_PEERCRED") else os.getuid()
            if uid not in (os.getuid(), 0):
                raise PermissionError(f"uid {uid} may not use this database")
            spec = json.loads(self.rfile.read(MAX_REQUEST))
            code = server.execute(spec["command"], decode_args(spec["args"]), out, err)
        except Exception as exc:   # a bug, not a bad file: report it to the CLI and keep serving
            print(f"错误：执行失败（{type(exc).__name__}: {exc}）", file=err)
            code = 1
        reply = {"code": code, "out": out.getvalue(), "err": err.getvalue()}
        self.wfile.write(json.dumps(reply, ensure_ascii=False).encode())


class _UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class Server:
    """Serves ``db`` over a Unix socket from a process that holds it open (see :func:`serve`)."""

    def __init__(self, db: Path | str, con: duckdb.DuckDBPyConnection):
        self.db = Path(db).absolute()
        self.path = socket_path(self.db)
        self._con = weakref.ref(con)
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.path.unlink(missing_ok=True)   # left by a process that died: the database lock says it is ours now
        self._server = _UnixServer(str(self.path), _Handler)
        self._server.owner = self           # type: ignore[attr-defined]
        os.chmod(self.path, 0o600)
        self._inode = self.path.stat().st_ino
        atexit.register(self._unlink)
        self.thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2},
                                       name=f"inbox {self.db.name}", daemon=True)
        self.thread.start()

    def execute(self, name: str, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
        if name not in COMMANDS:
            raise ValueError(f"unknown command {name!r}")
        con = self._con()
        if con is None:   # the connection was dropped (its cache cleared): stop serving
            threading.Thread(target=self.stop, daemon=True).start()
            raise RuntimeError("the database is no longer open here")
        cursor = con.cursor()
        try:
            return command(name)(cursor, args, out, err)
        finally:
            cursor.close()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._unlink()

    def _unlink(self) -> None:
        try:
            if self.path.stat().st_ino == self._inode:   # not a newer server's socket
                self.path.unlink()
        except OSError:
            pass

    @property
    def alive(self) -> bool:
        return self.thread.is_alive() and self._con() is not None


_servers: dict[Path, Server] = {}
_servers_lock = threading.Lock()


def serve(db: Path | str, con: duckdb.DuckDBPyConnection) -> Server:
    """Serve ``db`` from this process over ``con`` (once per file; again after ``con`` is gone).

    Call it right after opening the long-lived connection: the caller holds the file's lock,
    so no other process can be serving it.
    """
    key = Path(db).absolute()
    with _servers_lock:
        server = _servers.get(key)
        if server is None or not server.alive or server._con() is not con:
            if server is not None:
                server.stop()
            server = _servers[key] = Server(key, con)
        return server

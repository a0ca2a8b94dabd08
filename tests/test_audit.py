"""The audit log: exact records for every kind of write, the hash chain, export without formulas."""
import hashlib
import io
import json
import threading
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from loaders.build import allocation_files, source_files
from loaders.progress_template import VALUE
from loaders.progress_upload import upload_file
from tests.accounts import AT, PASSWORD, audit_rows, cheap_hasher, last_audit_id, people  # noqa: F401
from tests.conftest import ROOT
from tests.progress_files import NOW, fill, template
from tracker import actions, audit, auth, unit_uploads
from tracker.reporting import resolve_unit, unit_rows

PERIOD = "2024-03"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def details(con, audit_id: int) -> dict:
    return json.loads(con.execute("SELECT details FROM audit_log WHERE audit_id = ?", [audit_id]).fetchone()[0])


# ---------------------------------------------------------------- the chain


def test_records_chain_and_verify(con):
    start = last_audit_id(con)
    first = audit.record(con, "alice", "export", "summary:2024-03", {"rows": 3}, "ab" * 32, at=AT)
    second = audit.record_now(con, "bob", "sign_in", "account:bob", at=AT)
    assert (first, second) == (start + 1, start + 2)
    rows = con.execute("SELECT * FROM (SELECT audit_id, recorded_at, actor, action, target, details, file_sha256, "
                       "prev_hash = lag(row_hash) OVER (ORDER BY audit_id) FROM audit_log) WHERE audit_id > ?",
                       [start]).fetchall()
    assert rows == [(start + 1, AT, "alice", "export", "summary:2024-03", '{"rows": 3}', "ab" * 32, True),
                    (start + 2, AT, "bob", "sign_in", "account:bob", "{}", None, True)]
    assert audit.verify(con).ok and audit.verify(con).n_records == start + 2


@pytest.mark.parametrize("tamper", [
    "UPDATE audit_log SET actor = 'mallory' WHERE audit_id = {a}",
    "UPDATE audit_log SET details = '{{}}' WHERE audit_id = {a}",
    "DELETE FROM audit_log WHERE audit_id = {a}",
])
def test_an_edit_made_outside_the_app_breaks_the_chain(con, tamper):
    a = audit.record(con, "alice", "export", "x", {"rows": 1})
    audit.record(con, "alice", "export", "y", {"rows": 2})
    con.execute(tamper.format(a=a))
    check = audit.verify(con)
    assert not check.ok and check.broken == (a,) if "UPDATE" in tamper else check.broken == (a + 1,)


def test_an_unknown_action_is_refused(con):
    with pytest.raises(ValueError, match="unknown audit action 'delete'"):
        audit.record(con, "alice", "delete")


def test_concurrent_writers_keep_one_chain(con):
    start = last_audit_id(con)

    def write(name: str) -> None:
        cursor = con.cursor()
        for i in range(25):
            audit.record_now(cursor, name, "export", f"n:{i}", attempts=50)

    threads = [threading.Thread(target=write, args=(f"t{k}",)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert con.execute("SELECT count(*) FROM audit_log WHERE audit_id > ?", [start]).fetchone()[0] == 75
    assert audit.verify(con).ok


def test_nothing_in_the_code_edits_the_audit_log():
    for folder in ("tracker", "loaders", "pages"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8").lower()
            assert "update audit_log" not in text and "delete from audit_log" not in text, path
    assert (ROOT / "dashboard.py").read_text(encoding="utf-8").lower().count("audit_log") == 0


# ---------------------------------------------------------------- every kind of write


def test_document_loads_are_recorded_with_the_file_hash(con):
    loaded = con.execute("SELECT actor, action, target, file_sha256 FROM audit_log "
                         "WHERE action = 'document_load' ORDER BY audit_id").fetchall()
    files = source_files() + allocation_files()
    assert loaded == [("system", "document_load", f"file:{p.name}", sha(p)) for p in files]


def test_uploads_corrections_unchanged_and_rejected_are_recorded(con, people, tmp_path):
    tpl = template(con, tmp_path, "市发改委", PERIOD)
    first = fill(tpl, tmp_path / "first.xlsx", {2: {VALUE: 1}})
    second = fill(tpl, tmp_path / "second.xlsx", {2: {VALUE: 2}})
    bad = fill(tpl, tmp_path / "bad.xlsx", {2: {VALUE: "很多"}})
    start = last_audit_id(con)
    for path in (first, second, second, bad):
        upload_file(con, path, "市发改委", uploaded_by="x", now=NOW, account=people["fgw"])
    assert audit_rows(con, "recorded_at", "actor", "action", "target", "file_sha256", after=start) == [
        (NOW, "fgw", "upload", "upload:1", sha(first)),
        (NOW, "fgw", "correction", "upload:2", sha(second)),
        (NOW, "fgw", "upload_unchanged", "unit:市发改委", sha(second)),
        (NOW, "fgw", "upload_rejected", "unit:市发改委", sha(bad)),
    ]
    n = len(unit_rows(con, resolve_unit(con, "市发改委"), PERIOD))
    base = {"unit": "市发改委", "period": PERIOD, "n_rows": n, "n_unchanged": 0, "n_problems": 0, "problems": []}
    assert details(con, start + 1) == base | {"file_name": "first.xlsx", "outcome": "accepted", "upload_id": 1,
                                              "n_new": 1, "n_corrections": 0}
    assert details(con, start + 2) == base | {"file_name": "second.xlsx", "outcome": "accepted", "upload_id": 2,
                                              "n_new": 1, "n_corrections": 1}
    assert details(con, start + 3) == base | {"file_name": "second.xlsx", "outcome": "unchanged", "upload_id": None,
                                              "n_new": 0, "n_corrections": 0, "n_unchanged": 1}
    unit = unit_rows(con, resolve_unit(con, "市发改委"), PERIOD)[0].unit
    assert details(con, start + 4) == base | {
        "file_name": "bad.xlsx", "outcome": "rejected", "upload_id": None, "n_new": 0, "n_corrections": 0,
        "n_problems": 1, "problems": [f"工作表“填报”第2行“累计完成值”列：应填写数字，单位为“{unit}”，实际为“很多”"]}


def test_supervisor_actions_are_recorded_in_their_transaction(con, people):
    row = unit_rows(con, resolve_unit(con, "市发改委"), PERIOD)[0]
    start = last_audit_id(con)
    evidence = actions.Evidence("验收单.pdf", b"%PDF-1.4 ...")
    closed = actions.close_out(con, row.target_id, row.jurisdiction_code, people["ducha"], "已验收",
                               date(2024, 9, 30), evidence=evidence)
    undone = actions.undo(con, closed, people["ducha"], "误操作", date(2024, 10, 1))
    sent = actions.send_back(con, row.target_id, row.jurisdiction_code, people["ducha"], "进度不实",
                             date(2024, 12, 31), date(2024, 10, 2))
    rid = f"row:{row.row_id}"
    assert audit_rows(con, "actor", "action", "target", "file_sha256", after=start) == [
        ("ducha", "close_out", rid, evidence.sha256), ("ducha", "undo", rid, None), ("ducha", "send_back", rid, None)]
    assert details(con, start + 1) == {"action_id": closed, "action_date": "2024-09-30", "note": "已验收",
                                       "new_deadline": None, "undoes_action_id": None, "evidence_name": "验收单.pdf"}
    assert details(con, start + 2)["undoes_action_id"] == closed and undone == closed + 1
    assert details(con, start + 3) == {"action_id": sent, "action_date": "2024-10-02", "note": "进度不实",
                                            "new_deadline": "2024-12-31", "undoes_action_id": None,
                                            "evidence_name": None}


def test_account_changes_are_recorded_without_passwords(con):
    start = last_audit_id(con)
    auth.create_account(con, "os:ops", "boss", "管理员", "admin", PASSWORD, now=AT)
    admin = auth.get_account(con, "boss")
    auth.create_account(con, admin, "fgw", "发改委", "department", PASSWORD, unit="市发改委", now=AT)
    auth.set_password(con, admin, "fgw", "reset-pass-1", now=AT)
    auth.disable_account(con, admin, "fgw", now=AT)
    auth.enable_account(con, admin, "fgw", now=AT)
    assert audit_rows(con, "actor", "action", "target", "details", after=start) == [
        ("os:ops", "account_create", "account:boss", '{"display_name": "管理员", "role": "admin", "unit": null}'),
        ("boss", "account_create", "account:fgw", '{"display_name": "发改委", "role": "department", "unit": "市发改委"}'),
        ("boss", "account_password", "account:fgw", '{"reset_by_admin": true}'),
        ("boss", "account_disable", "account:fgw", "{}"),
        ("boss", "account_enable", "account:fgw", "{}"),
    ]
    text = " ".join(str(c) for r in con.execute("SELECT * FROM audit_log").fetchall() for c in r)
    assert PASSWORD not in text and "reset-pass-1" not in text


def test_a_refused_account_creation_is_recorded_with_its_reason(con, people):
    start = last_audit_id(con)
    admin = people["guanli"]
    for actor, name, role, password, unit, error in (
            (people["fgw"], "new", "leadership", PASSWORD, None, auth.PermissionDenied),
            (admin, "ＦＧＷ", "leadership", PASSWORD, None, auth.AccountError),
            (admin, "weak", "leadership", "12345678", None, auth.AccountError),
            (admin, "nounit", "department", PASSWORD, "市不存在局", auth.AccountError),
            (None, "anon", "admin", PASSWORD, None, auth.PermissionDenied)):
        with pytest.raises(error):
            auth.create_account(con, actor, name, "某人", role, password, unit=unit, now=AT)
    rows = audit_rows(con, "actor", "action", "target", "details", after=start)
    assert [r[:3] for r in rows] == [
        ("fgw", "account_create_refused", "account:new"), ("guanli", "account_create_refused", "account:FGW"),
        ("guanli", "account_create_refused", "account:weak"), ("guanli", "account_create_refused", "account:nounit"),
        ("anonymous", "account_create_refused", "account:anon")]
    reasons = [json.loads(r[3]) for r in rows]
    assert reasons[1] == {"display_name": "某人", "role": "leadership", "unit": None, "reason": "用户名“FGW”已存在"}
    assert reasons[2]["reason"] == "密码过于简单：请勿使用纯数字、重复字符或常见密码"
    assert reasons[3] == {"display_name": "某人", "role": "department", "unit": "市不存在局",
                          "reason": reasons[3]["reason"]} and "市不存在局" in reasons[3]["reason"]
    assert reasons[0]["reason"] == "账号“fgw”（部门）没有“管理账号”权限：需要系统管理员账号"
    assert reasons[4]["reason"].startswith("请先登录：")
    text = " ".join(str(c) for r in con.execute("SELECT * FROM audit_log").fetchall() for c in r)
    assert PASSWORD not in text and "12345678" not in text
    assert audit.verify(con).ok


@pytest.mark.parametrize("details, text", [
    ('{"display_name": "发改委", "role": "department", "unit": "市发改委"}', "姓名：发改委；角色：部门；单位：市发改委"),
    ('{"display_name": "管理员", "role": "admin", "unit": null}', "姓名：管理员；角色：系统管理员"),
    ('{"reset_by_admin": true}', "管理员重置：是"),
    ('{"reason": "wrong_password"}', "原因：密码错误"),
    ("{}", ""),
    ('{"documents": 7, "items": 218, "targets": 262}', "文件数：7；条目数：218；指标数：262"),
    ('{"file_name": "x.xlsx", "rows": 20}', "文件：x.xlsx；行数：20"),
    ('{"unit": "市发改委", "file_name": "a.xlsx", "outcome": "rejected", "upload_id": null, "problems": ["第3行：甲", "第4行：乙"]}',
     "单位：市发改委；文件：a.xlsx；结果：被拒；问题：第3行：甲；第4行：乙"),
    ('{"new_key": 1}', "new_key：1"),
    ("not json", "not json"),
])
def test_details_read_as_chinese(details, text):
    assert audit.details_text(details) == text


@pytest.mark.parametrize("actor, text", [
    ("system", "系统"), ("anonymous", "未登录"), ("unknown", "未知"), ("os:root", "服务器命令行（root）"), ("fgw", "fgw"),
    ("市发改委填报员", "市发改委填报员")])
def test_actors_read_as_chinese_and_back(actor, text):
    assert audit.actor_text(actor) == text
    assert audit.actor_code(text) == actor


@pytest.mark.parametrize("target, text", [
    ("account:fgw", "账号 fgw"), ("file:a.txt", "文件 a.txt"), ("upload:12", "上传 12"), ("demo", "演示数据"),
    ("audit_log", "审计日志"), ("summary:2024-09", "汇总表 2024-09"), ("row:T1-330800", "事项 T1-330800"),
    ("+cmd", "+cmd"), (None, "")])
def test_targets_read_as_chinese(target, text):
    assert audit.target_text(target) == text


# ---------------------------------------------------------------- reading and export


def test_entries_filter_and_label(con):
    start = last_audit_id(con)
    audit.record(con, "alice", "export", "a", at=datetime(2024, 10, 1))
    audit.record(con, "bob", "sign_in", "b", at=datetime(2024, 10, 2))
    frame = audit.entries(con, ("export", "sign_in"), since=datetime(2024, 9, 1), until=datetime(2030, 1, 1))
    frame = frame[frame["audit_id"] > start]
    assert frame[["audit_id", "actor", "action_label"]].values.tolist() == [
        [start + 2, "bob", "登录"], [start + 1, "alice", "导出"]]
    assert audit.entries(con, actor="alice")["target"].tolist() == ["a"]


def test_exports_never_hold_formulas(con, people):
    start = last_audit_id(con)
    audit.record(con, "=HYPERLINK(\"http://x\")", "export", "+cmd", {"note": "-2+3"}, at=datetime(2024, 10, 1, 8))
    frame = audit.entries(con)
    frame = frame[frame["audit_id"] == start + 1]
    name, data = unit_uploads.audit_export(con, people["guanli"], frame, ".xlsx")
    assert name.startswith("审计日志_") and name.endswith(".xlsx")
    ws = load_workbook(io.BytesIO(data))["审计日志"]
    assert [c.value for c in ws[1]] == ["编号", "时间", "操作人", "操作代码", "操作", "对象", "详情", "文件SHA-256"]
    assert [c.value for c in ws[2]] == [start + 1, datetime(2024, 10, 1, 8), "'=HYPERLINK(\"http://x\")", "export",
                                        "导出", "'+cmd", "说明：-2+3", None]
    assert all(c.data_type != "f" for c in ws[2])
    name, data = unit_uploads.audit_export(con, people["guanli"], frame, ".csv")
    assert data.decode("utf-8-sig").splitlines() == [
        "编号,时间,操作人,操作代码,操作,对象,详情,文件SHA-256",
        f"{start + 1},2024-10-01 08:00:00,\"'=HYPERLINK(\"\"http://x\"\")\",export,导出,'+cmd,说明：-2+3,",
    ]
    assert audit_rows(con, "actor", "action", "target", after=start + 1) == [
        ("guanli", "export", "audit_log"), ("guanli", "export", "audit_log")]


@pytest.mark.parametrize("who", [None, "lingdao", "ducha", "fgw"])
def test_only_an_admin_exports_the_audit_log(con, people, who):
    with pytest.raises(auth.PermissionDenied):
        unit_uploads.audit_export(con, people[who] if who else None, audit.entries(con), ".csv")


def test_the_chain_survives_backup_and_restore(con, people, tmp_path):
    from tracker.backup import backup, restore
    from tracker.db import connect

    audit.record(con, "alice", "export", "x", {"rows": 1}, at=datetime(2024, 10, 1, 8, 0, 0, 123456))
    backup(con, tmp_path / "bak")
    restore(tmp_path / "bak", tmp_path / "restored.duckdb")
    restored = connect(tmp_path / "restored.duckdb")
    try:
        check = audit.verify(restored)
        assert check.ok and check.n_records == audit.verify(con).n_records
        assert auth.authenticate(restored, "fgw", PASSWORD).username == "fgw"
    finally:
        restored.close()

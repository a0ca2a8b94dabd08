"""销号, 二次交办 and 撤销 on the tiny database (tests/dashboard_db.py): append-only records, their effect
on target_status, and the unit's template."""
from datetime import date, datetime

import pandas as pd
import pytest
from openpyxl import load_workbook

from loaders.progress_template import DATA_SHEET, HEADERS, HELP_SHEET, make_template
from tests.dashboard_db import make_db
from tracker import actions
from tracker import progress_queries as pq

NOW = datetime(2024, 4, 2, 9, 30)
SUMMER = datetime(2024, 7, 8, 9, 30)   # when the actions dated June and July were recorded


@pytest.fixture
def con(tmp_path):
    con = make_db(tmp_path / "t.duckdb")
    yield con
    con.close()


def status_of(con, target_id, as_of="2024-03", day=None, code="330800"):
    frame = pq.target_status(con, as_of, as_of_day=day, level=pq.CITY if code == "330800" else pq.JURISDICTION)
    return frame[(frame["target_id"] == target_id) & (frame["jurisdiction_code"] == code)].iloc[0]


def all_records(con):
    return con.execute("SELECT * FROM supervision_actions ORDER BY action_id").fetchall()


def test_a_close_out_counts_as_completed_from_its_date(con):
    assert status_of(con, 2).status == "滞后"
    action_id = actions.close_out(con, 2, "330800", "王五", "统计局年报数据确认已达标", date(2024, 3, 20), now=NOW)
    assert action_id == 1
    before = status_of(con, 2, day=date(2024, 3, 19))
    assert (before.status, before.action) == ("滞后", None)
    after = status_of(con, 2, day=date(2024, 3, 20))
    assert (after.status, after.overdue, pd.isna(after.gap_points)) == ("已完成", False, True)
    assert after.note == "已销号（2024-03-20，王五）：统计局年报数据确认已达标"
    assert (after.action, after.action_id, after.action_by, after.action_date) == ("销号", 1, "王五", date(2024, 3, 20))
    assert status_of(con, 2, as_of="2024-02").status == "滞后"  # earlier months are unchanged


def test_close_out_keeps_the_evidence_file_with_its_hash(con):
    content = "验收报告".encode("utf-8") + bytes(range(256))
    action_id = actions.close_out(con, 4, "330800", "王五", "一期已验收", date(2024, 6, 28),
                                  actions.Evidence("验收报告.pdf", content), now=SUMMER)
    stored = actions.evidence_file(con, action_id)
    assert stored == actions.Evidence("验收报告.pdf", content)
    row = con.execute("SELECT evidence_name, evidence_sha256, recorded_at FROM supervision_actions").fetchone()
    assert row == ("验收报告.pdf", stored.sha256, SUMMER)
    assert len(stored.sha256) == 64
    assert actions.evidence_file(con, 999) is None


@pytest.mark.parametrize("act", ["close_out", "send_back"])
def test_an_action_dated_after_today_is_refused(con, act):
    """Found by QA: a 销号 dated 2030-01-01 was recorded (and changed nothing: the item stayed overdue)."""
    with pytest.raises(actions.ActionError) as exc:
        if act == "close_out":
            actions.close_out(con, 2, "330800", "王五", "已达标", date(2024, 4, 3), now=NOW)
        else:
            actions.send_back(con, 2, "330800", "王五", "请核实", date(2024, 5, 1), date(2024, 4, 3), now=NOW)
    label = "销号日期" if act == "close_out" else "交办日期"
    assert str(exc.value) == f"{label}（2024-04-03）不能晚于今天（2024-04-02）"
    assert con.execute("SELECT count(*) FROM supervision_actions").fetchone() == (0,)


def test_a_send_back_that_extends_the_deadline_is_judged_against_it(con):
    assert (status_of(con, 4, as_of="2024-07").status, status_of(con, 4, as_of="2024-07").overdue) == ("未报送", True)
    actions.send_back(con, 4, "330800", "王五", "延期至8月底", date(2024, 8, 31), date(2024, 7, 5), now=SUMMER)
    row = status_of(con, 4, as_of="2024-07")
    assert (row.status, row.overdue, row.action, row.action_deadline) == ("未报送", False, "二次交办", date(2024, 8, 31))
    assert row.note == "二次交办（2024-07-05，新期限2024-08-31）：本期未报送"
    assert status_of(con, 4, as_of="2024-09").overdue


def test_a_send_back_with_an_earlier_deadline_leaves_the_status_alone(con):
    actions.send_back(con, 1, "330800", "王五", "进度虚报，请核实", date(2024, 3, 20), date(2024, 3, 10), now=NOW)
    row = status_of(con, 1)
    assert (row.status, row.overdue, row.action, row.action_deadline) == ("正常", False, "二次交办", date(2024, 3, 20))
    assert row.note.startswith("二次交办（2024-03-10，新期限2024-03-20）：完成目标的25.0%")


def test_an_undo_voids_the_earlier_record_without_deleting_it(con):
    first = actions.close_out(con, 2, "330800", "王五", "误操作", date(2024, 3, 20), now=NOW)
    undo_id = actions.undo(con, first, "赵六", "证据不足", date(2024, 3, 25), now=NOW)
    assert status_of(con, 2).status == "滞后"
    history = actions.history(con, 2, "330800")
    assert history[["action_id", "row_id", "操作", "actor", "note", "undoes_action_id", "undone_by"]].astype(object).where(
        history[["action_id", "row_id", "操作", "actor", "note", "undoes_action_id", "undone_by"]].notna(), None
    ).values.tolist() == [
        [1, "T2-330800", "销号", "王五", "误操作", None, 2],
        [2, "T2-330800", "撤销", "赵六", "证据不足", 1, None],
    ]
    assert undo_id == 2
    # the row may now be closed again, and the new record counts
    actions.close_out(con, 2, "330800", "王五", "补充佐证后销号", date(2024, 3, 28), now=NOW)
    assert status_of(con, 2).status == "已完成"
    assert len(all_records(con)) == 3


def test_the_latest_record_decides_and_earlier_ones_stay(con):
    actions.close_out(con, 1, "330800", "王五", "已完成", date(2024, 3, 5), now=NOW)
    actions.send_back(con, 1, "330800", "王五", "佐证不足", date(2024, 4, 30), date(2024, 3, 12), now=NOW)
    assert status_of(con, 1, day=date(2024, 3, 11)).status == "已完成"
    row = status_of(con, 1)
    assert (row.status, row.action) == ("正常", "二次交办")
    actions.close_out(con, 1, "330800", "王五", "整改到位", date(2024, 3, 30), now=NOW)
    assert status_of(con, 1).action == "销号"
    assert [r[3] for r in all_records(con)] == ["close_out", "send_back", "close_out"]


def test_actions_on_a_jurisdictions_row(con):
    actions.close_out(con, 3, "330802", "王五", "柯城区已完成", date(2024, 3, 31), now=NOW)
    assert status_of(con, 3, code="330802").status == "已完成"
    assert status_of(con, 3, code="330803").status == "正常"


@pytest.mark.parametrize("call, message", [
    (lambda c: actions.close_out(c, 99, "330800", "王五", "x", date(2024, 3, 1)), "没有编号为99的指标"),
    (lambda c: actions.close_out(c, 1, "330881", "王五", "x", date(2024, 3, 1)), "指标1没有“330881”这一行"),
    (lambda c: actions.close_out(c, 1, "330800", " ", "x", date(2024, 3, 1)), "请填写操作人"),
    (lambda c: actions.close_out(c, 1, "330800", "王五", "", date(2024, 3, 1)), "请填写销号依据"),
    (lambda c: actions.send_back(c, 1, "330800", "王五", "x", date(2024, 3, 1), date(2024, 3, 1)),
     "新的完成期限（2024-03-01）应晚于交办日期（2024-03-01）"),
    (lambda c: actions.send_back(c, 1, "330800", "王五", "x", None, date(2024, 3, 1)), "请填写新的完成期限"),
    (lambda c: actions.undo(c, 42, "王五", "x", date(2024, 3, 1)), "没有编号为42的督查记录"),
    (lambda c: actions.close_out(c, 1, "330800", "王五", "x", None), "请填写操作日期"),
    (lambda c: actions.close_out(c, 1, "330800", "王五", "x", date(2024, 3, 1), actions.Evidence(" ", b"%PDF")),
     "佐证材料缺少文件名"),
    (lambda c: actions.close_out(c, 1, "330800", "王五", "x", date(2024, 3, 1),
                                 actions.Evidence("验收.pdf", b"0" * (actions.MAX_EVIDENCE_BYTES + 1))),
     "佐证材料“验收.pdf”超过20MB，请压缩后再上传"),
])
def test_refusals_say_why_and_record_nothing(con, call, message):
    with pytest.raises(actions.ActionError, match=message):
        call(con)
    assert all_records(con) == []


def test_an_action_whose_audit_record_fails_is_not_stored(con, monkeypatch):
    """The record and its audit entry are one transaction: when the audit write fails, neither stays."""
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(actions.audit, "record", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        actions.close_out(con, 1, "330800", "王五", "已完成", date(2024, 3, 5), now=NOW)
    assert all_records(con) == []
    monkeypatch.undo()
    assert actions.close_out(con, 1, "330800", "王五", "已完成", date(2024, 3, 5), now=NOW) == 1   # the id was not used


def test_no_double_close_out_and_no_double_undo(con):
    first = actions.close_out(con, 1, "330800", "王五", "已完成", date(2024, 3, 5), now=NOW)
    with pytest.raises(actions.ActionError, match="已于2024-03-05由王五销号（记录1），不能重复销号"):
        actions.close_out(con, 1, "330800", "赵六", "再次", date(2024, 3, 6), now=NOW)
    undo_id = actions.undo(con, first, "王五", "撤回", date(2024, 3, 7), now=NOW)
    with pytest.raises(actions.ActionError, match="已被记录2撤销"):
        actions.undo(con, first, "王五", "再撤", date(2024, 3, 7), now=NOW)
    with pytest.raises(actions.ActionError, match="本身是撤销记录"):
        actions.undo(con, undo_id, "王五", "撤销撤销", date(2024, 3, 7), now=NOW)
    assert len(all_records(con)) == 2


def test_actions_between_counts_records_in_force(con):
    first = actions.close_out(con, 1, "330800", "王五", "已完成", date(2024, 3, 5), now=NOW)
    actions.send_back(con, 2, "330800", "王五", "x", date(2024, 4, 30), date(2024, 3, 12), now=NOW)
    actions.close_out(con, 4, "330800", "王五", "x", date(2024, 4, 2), now=NOW)
    actions.undo(con, first, "王五", "撤回", date(2024, 3, 20), now=NOW)
    assert actions.actions_between(con, date(2024, 3, 1), date(2024, 3, 31)) == {
        "close_out": 0, "send_back": 1, "undo": 1}


def test_a_sent_back_row_comes_back_on_the_units_template(con, tmp_path):
    actions.send_back(con, 1, "330800", "王五", "进度虚报，请核实", date(2024, 5, 31), date(2024, 3, 10), now=NOW)
    out = tmp_path / "市经信局.xlsx"
    assert make_template(con, "市经信局", "2024-03", out, now=NOW) == 4
    wb = load_workbook(out)
    ws = wb[DATA_SHEET]
    due = HEADERS.index("截止日期") + 1
    assert [(ws.cell(row=r, column=1).value, ws.cell(row=r, column=due).value.date()) for r in range(2, 6)] == [
        ("T1-330800", date(2024, 5, 31)), ("T3-330802", date(2024, 12, 31)), ("T3-330803", date(2024, 12, 31)),
        ("T4-330800", date(2024, 6, 30))]
    assert ws["A2"].comment.text == "二次交办（2024-03-10，王五）：进度虚报，请核实\n新的完成期限：2024-05-31"
    assert ws["A2"].fill.fgColor.rgb == "00F4CCCC" and ws["A3"].comment is None
    assert wb[HELP_SHEET]["A12"].value.startswith("10. 本表有 1 行为督查二次交办事项")
    # once closed out, the row is an ordinary row again
    actions.close_out(con, 1, "330800", "王五", "整改到位", date(2024, 3, 30), now=NOW)
    make_template(con, "市经信局", "2024-03", out, now=NOW)
    ws = load_workbook(out)[DATA_SHEET]
    assert ws["A2"].comment is None and ws.cell(row=2, column=due).value.date() == date(2024, 12, 31)


def test_the_month_s_actions_count_items_not_records(con):
    """Found by QA: one item sent back twice made the 月度通报 say 二次交办2项."""
    actions.send_back(con, 1, "330800", "王五", "请核实", date(2024, 4, 30), date(2024, 3, 10), now=NOW)
    actions.send_back(con, 1, "330800", "王五", "再次核实", date(2024, 5, 31), date(2024, 3, 20), now=NOW)
    actions.send_back(con, 2, "330800", "王五", "请核实", date(2024, 4, 30), date(2024, 3, 21), now=NOW)
    actions.close_out(con, 4, "330800", "王五", "已验收", date(2024, 3, 25), now=NOW)
    assert actions.actions_between(con, date(2024, 3, 1), date(2024, 3, 31)) == {
        "close_out": 1, "send_back": 2, "undo": 0}


def test_notes_name_the_supervisor_as_the_accounts_show_them(con):
    """Found by QA: the 研判说明 of a closed-out item named the login (ducha1), not 督查员甲."""
    from tests.accounts import PASSWORD
    from tracker import auth

    supervisor = auth.create_account(con, "os:tester", "ducha1", "督查员甲", auth.SUPERVISOR, PASSWORD)
    actions.close_out(con, 2, "330800", supervisor, "年报确认", date(2024, 3, 20), now=NOW)
    actions.close_out(con, 4, "330800", "王五", "已验收", date(2024, 3, 21), now=NOW)   # no account: as recorded
    assert status_of(con, 2).note == "已销号（2024-03-20，督查员甲）：年报确认"
    assert status_of(con, 4).note == "已销号（2024-03-21，王五）：已验收"
    assert [r[5] for r in all_records(con)] == ["ducha1", "王五"]   # the record keeps the login

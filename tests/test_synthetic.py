"""The synthetic data generator (tracker/synthetic.py): shape, determinism, and that it keeps
away from the real database."""
import hashlib

import duckdb
import pytest

from tracker import synthetic
from tracker.db import DEFAULT_DB

TINY = synthetic.TINY   # 2 cities × 2 years × 48 targets, 3 months


@pytest.fixture(scope="module")
def tiny_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("synthetic") / "tiny.duckdb"
    counts = synthetic.generate(path, TINY)
    return path, counts


def _fingerprint(path) -> str:
    con = duckdb.connect(str(path), read_only=True)
    try:
        digest = hashlib.sha256()
        for table in synthetic.TABLES:
            columns = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()
                       if r[0] not in ("loaded_at", "uploaded_at")]
            rows = con.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY ALL").fetchall()
            digest.update(repr((table, rows)).encode())
        return digest.hexdigest()
    finally:
        con.close()


def test_shape(tiny_db):
    path, counts = tiny_db
    assert counts["targets"] == 2 * 2 * 48
    assert counts["documents"] == 2 * 2 * 4
    assert counts["jurisdictions"] == 2 * (1 + 9)
    con = duckdb.connect(str(path), read_only=True)
    try:
        # each city has its nine county-level jurisdictions
        assert con.execute("SELECT count(*) FROM jurisdictions WHERE parent_code = '330800'").fetchone()[0] == 9
        # most targets are allocated over the nine, the rest reported for the whole city
        allocated = con.execute("SELECT count(DISTINCT target_id) FROM target_allocations").fetchone()[0]
        assert 0.7 * counts["targets"] < allocated < counts["targets"]
        assert con.execute("SELECT count(*) FROM target_allocations GROUP BY target_id").fetchall() == \
            [(9,)] * allocated
        # counts and levels are split in whole numbers that add up to the city's value, but for a few
        # (as in the real allocation tables); rates and limits apply in every place
        sums = con.execute("""SELECT t.kind, t.value, sum(a.value), min(a.value), bool_and(a.value = round(a.value)),
                                     bool_and(a.value = t.value)
                              FROM target_allocations a JOIN targets t USING (target_id)
                              GROUP BY t.target_id, t.kind, t.value""").fetchall()
        additive = [r for r in sums if r[0] in ("count", "level")]
        assert all(r[3] >= 0 and r[4] for r in additive)
        differ = sum(r[1] != r[2] for r in additive)
        assert 0 < differ < 0.2 * len(additive)
        assert all(r[5] for r in sums if r[0] in ("rate", "limit"))
        # reports: only months 1..3 of the plan years, versions 1 and 2, every kind of target
        periods = {r[0] for r in con.execute("SELECT DISTINCT period FROM progress_reports").fetchall()}
        assert periods == {f"{y}-{m:02d}" for y in TINY.years for m in (1, 2, 3)}
        assert con.execute("SELECT min(version), max(version) FROM progress_reports").fetchone() == (1, 2)
        kinds = {r[0] for r in con.execute("SELECT DISTINCT kind FROM targets").fetchall()}
        assert {"count", "rate"} <= kinds
        # every upload's row count is right; every report belongs to a target of its own year
        assert con.execute("""SELECT count(*) FROM uploads u WHERE n_rows <>
                              (SELECT count(*) FROM progress_reports p WHERE p.upload_id = u.upload_id)""").fetchone()[0] == 0
        assert con.execute("""SELECT count(*) FROM progress_reports p JOIN targets t USING (target_id)
                              JOIN items i USING (item_id) JOIN documents d USING (doc_id)
                              WHERE left(p.period, 4)::INTEGER <> d.year""").fetchone()[0] == 0
    finally:
        con.close()


def test_pages_can_judge_it(tiny_db):
    """The status table reads the synthetic data like real data: every status occurs somewhere."""
    from tracker import progress_queries as pq
    from tracker.filters import Filters

    path, _ = tiny_db
    con = duckdb.connect(str(path), read_only=True)
    try:
        status = pq.target_status(con, "2024-03", Filters(year=2024))
        shares = pq.target_status(con, "2024-03", Filters(year=2024), level=pq.JURISDICTION)
    finally:
        con.close()
    assert len(status) == 2 * 48
    assert len(shares) > 2 * 48
    assert status["status"].nunique() >= 3


def test_deterministic(tiny_db, tmp_path):
    path, _ = tiny_db
    again = tmp_path / "again.duckdb"
    synthetic.generate(again, TINY)
    assert _fingerprint(again) == _fingerprint(path)


def test_never_the_real_database(tmp_path, monkeypatch):
    before = DEFAULT_DB.stat().st_mtime_ns if DEFAULT_DB.exists() else None
    with pytest.raises(synthetic.RealDatabase):
        synthetic.generate(DEFAULT_DB, TINY)
    monkeypatch.setenv("TRACKER_DB", str(tmp_path / "served.duckdb"))
    with pytest.raises(synthetic.RealDatabase):
        synthetic.generate(tmp_path / "served.duckdb", TINY)
    assert (DEFAULT_DB.stat().st_mtime_ns if DEFAULT_DB.exists() else None) == before
    existing = tmp_path / "existing.duckdb"
    existing.write_bytes(b"")
    with pytest.raises(FileExistsError):
        synthetic.generate(existing, TINY)


def test_cached_between_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_BENCH_CACHE", str(tmp_path / "cache"))
    first = synthetic.cached_database(TINY)
    assert first.parent == tmp_path / "cache" and f"v{synthetic.GENERATOR_VERSION}" in first.name
    stamp = first.stat().st_mtime_ns
    assert synthetic.cached_database(TINY) == first
    assert first.stat().st_mtime_ns == stamp
    assert list((tmp_path / "cache").glob("*.partial*")) == []

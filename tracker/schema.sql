-- The one definition of the tracker database (DuckDB).
-- Layers: raw (source_files: the text as shipped) -> staging (documents, items,
-- targets, numbers, assignments: one row per fact, each with offsets into the
-- source text) -> marts (views the pages read).
-- Migrations live in tracker/migrations.py and only ever add.

CREATE TABLE IF NOT EXISTS schema_version (
    version     INTEGER NOT NULL,
    applied_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE IF NOT EXISTS jurisdictions (
    code        VARCHAR PRIMARY KEY,
    name        VARCHAR NOT NULL,
    short_name  VARCHAR NOT NULL,
    kind        VARCHAR NOT NULL,          -- city, city_level, district, county, county_city, zone
    parent_code VARCHAR
);

CREATE TABLE IF NOT EXISTS source_files (
    file_id     INTEGER PRIMARY KEY,
    file_name   VARCHAR NOT NULL,
    sha256      VARCHAR NOT NULL UNIQUE,
    n_chars     INTEGER NOT NULL,
    content     VARCHAR NOT NULL,          -- the text exactly as shipped; offsets point into it
    loaded_at   TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE IF NOT EXISTS documents (
    doc_id       INTEGER PRIMARY KEY,
    file_id      INTEGER NOT NULL REFERENCES source_files(file_id),
    doc_number   VARCHAR,                  -- 文号
    title        VARCHAR NOT NULL,         -- what the notice issues (the plan's title)
    notice_title VARCHAR,
    issuer       VARCHAR,
    issue_date   DATE,
    year         INTEGER,
    kind         VARCHAR NOT NULL,         -- policy_plan, task_decomposition, notice
    city_code    VARCHAR REFERENCES jurisdictions(code),
    period_start DATE,
    period_end   DATE,
    header_start INTEGER,                  -- raw offsets of the header block
    header_end   INTEGER
);

CREATE TABLE IF NOT EXISTS items (
    item_id        INTEGER PRIMARY KEY,
    doc_id         INTEGER NOT NULL REFERENCES documents(doc_id),
    kind           VARCHAR NOT NULL,       -- policy_area, policy_measure, work_task
    number         INTEGER NOT NULL,
    label          VARCHAR NOT NULL,       -- as printed: （十二） / 12．/ 三、
    parent_item_id INTEGER,                -- a measure's policy area
    title          VARCHAR NOT NULL,
    text           VARCHAR NOT NULL,
    source_start   INTEGER NOT NULL,       -- raw offsets of the whole item
    source_end     INTEGER NOT NULL,
    text_start     INTEGER NOT NULL,       -- raw offsets of the item's own text
    text_end       INTEGER NOT NULL,
    UNIQUE (doc_id, kind, number)
);

CREATE TABLE IF NOT EXISTS targets (
    target_id       INTEGER PRIMARY KEY,
    item_id         INTEGER NOT NULL REFERENCES items(item_id),
    seq             INTEGER NOT NULL,      -- order within the item
    indicator       VARCHAR NOT NULL,
    raw             VARCHAR NOT NULL,
    value           DOUBLE,
    value_high      DOUBLE,
    unit            VARCHAR NOT NULL,
    base_value      DOUBLE,
    base_value_high DOUBLE,
    base_unit       VARCHAR NOT NULL,
    comparator      VARCHAR NOT NULL,      -- >=, <=, ≈, =, range
    kind            VARCHAR NOT NULL,      -- count, rate, level, limit, milestone
    tiers           VARCHAR,               -- JSON [["floor",4],["aim",5],["stretch",6]]
    steps           VARCHAR,               -- JSON [["2024-03-31",30], ...]
    deadline        DATE,                  -- as stated in the text
    due_date        DATE NOT NULL,         -- stated deadline, else the end of the plan period
    source_start    INTEGER NOT NULL,      -- raw offsets of the target phrase
    source_end      INTEGER NOT NULL,
    -- schema 5 (also added to older files by tracker/db.py): the row of a task or measure whose text gives no
    -- target of its own, reported as a whole (loaders/whole_items.py): a milestone without a number, its
    -- indicator the item's title, due at the plan's end
    whole_item      BOOLEAN DEFAULT false,
    UNIQUE (item_id, seq)
);

-- Every number of an item's text that is not a target, so none is dropped silently.
CREATE TABLE IF NOT EXISTS numbers (
    item_id      INTEGER NOT NULL REFERENCES items(item_id),
    raw          VARCHAR NOT NULL,
    role         VARCHAR NOT NULL,         -- subsidy, threshold, parameter, name, year, date, count_of_things, unclassified
    reason       VARCHAR NOT NULL,
    source_start INTEGER NOT NULL,
    source_end   INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS organisations (
    org_id            INTEGER PRIMARY KEY,
    name              VARCHAR NOT NULL,
    city_code         VARCHAR,
    kind              VARCHAR NOT NULL,
    jurisdiction_code VARCHAR REFERENCES jurisdictions(code),
    reviewed          BOOLEAN NOT NULL,    -- false: first seen in a document, not in the reference table
    UNIQUE (city_code, name)
);

CREATE TABLE IF NOT EXISTS org_aliases (
    alias   VARCHAR NOT NULL,
    org_id  INTEGER NOT NULL REFERENCES organisations(org_id),
    UNIQUE (alias, org_id)
);

CREATE TABLE IF NOT EXISTS people (
    person_id INTEGER PRIMARY KEY,
    name      VARCHAR NOT NULL,
    city_code VARCHAR,
    UNIQUE (city_code, name)
);

CREATE TABLE IF NOT EXISTS assignments (
    item_id  INTEGER NOT NULL REFERENCES items(item_id),
    org_id   INTEGER NOT NULL REFERENCES organisations(org_id),
    role     VARCHAR NOT NULL,             -- lead (牵头), cooperate (配合)
    position INTEGER NOT NULL,             -- order as printed, 1 = first
    raw_name VARCHAR NOT NULL,
    UNIQUE (item_id, org_id)
);

CREATE TABLE IF NOT EXISTS item_leaders (
    item_id   INTEGER NOT NULL REFERENCES items(item_id),
    person_id INTEGER NOT NULL REFERENCES people(person_id),
    position  INTEGER NOT NULL,
    UNIQUE (item_id, person_id)
);

-- Problems met while loading (an item without 责任单位, a unit not in the reference table …).
CREATE TABLE IF NOT EXISTS load_findings (
    file_id      INTEGER NOT NULL REFERENCES source_files(file_id),
    doc_id       INTEGER,
    item_id      INTEGER,
    severity     VARCHAR NOT NULL,         -- info, warning, error
    message      VARCHAR NOT NULL,
    source_start INTEGER,
    source_end   INTEGER
);

CREATE OR REPLACE VIEW target_register AS
SELECT
    t.target_id, d.doc_id, d.doc_number, d.title AS doc_title, d.kind AS doc_kind,
    i.item_id, i.kind AS item_kind, i.number AS item_number, i.label AS item_label, i.title AS item_title,
    area.number AS area_number, area.title AS area_title,
    t.seq, t.indicator, t.raw, t.value, t.value_high, t.unit, t.base_value, t.base_value_high, t.base_unit,
    t.comparator, t.kind, t.tiers, t.steps, t.deadline, t.due_date, d.period_start, d.period_end,
    t.source_start, t.source_end,
    (SELECT o.name FROM assignments a JOIN organisations o USING (org_id)
      WHERE a.item_id = i.item_id AND a.role = 'lead' ORDER BY a.position LIMIT 1) AS lead_unit,
    (SELECT string_agg(o.name, '、' ORDER BY a.position) FROM assignments a JOIN organisations o USING (org_id)
      WHERE a.item_id = i.item_id) AS units,
    (SELECT string_agg(p.name, '、' ORDER BY l.position) FROM item_leaders l JOIN people p USING (person_id)
      WHERE l.item_id = i.item_id) AS leaders
FROM targets t
JOIN items i USING (item_id)
JOIN documents d ON d.doc_id = i.doc_id
LEFT JOIN items area ON area.item_id = i.parent_item_id;

-- ---------------------------------------------------------------- allocations and progress
-- A target split over jurisdictions (民生实事 tables). Empty until allocations are loaded.
CREATE TABLE IF NOT EXISTS target_allocations (
    target_id         INTEGER NOT NULL REFERENCES targets(target_id),
    jurisdiction_code VARCHAR NOT NULL REFERENCES jurisdictions(code),
    value             DOUBLE,
    base_value        DOUBLE,
    inferred          BOOLEAN NOT NULL DEFAULT false,   -- not read from the text (e.g. from the row total)
    source_start      INTEGER,
    source_end        INTEGER,
    UNIQUE (target_id, jurisdiction_code)
);

-- A target the text sets for each county ("各县（市、区）…1亿元", loaders/each_county.py): its allocations
-- hold the stated value per county (read from the text), targets.value the computed city figure
-- (N × counties for what adds up; N for a rate or limit every place must reach).
CREATE TABLE IF NOT EXISTS target_each_county (
    target_id         INTEGER PRIMARY KEY REFERENCES targets(target_id),
    phrase            VARCHAR NOT NULL,    -- as printed: 各县（市、区）
    place_value       DOUBLE,              -- the value each county is set, in the target's unit
    place_value_high  DOUBLE,
    n_places          INTEGER NOT NULL     -- the counties of the document's city
);

-- One row per file handed in (accepted or not). Append-only.
CREATE TABLE IF NOT EXISTS uploads (
    upload_id    INTEGER PRIMARY KEY,
    unit_name    VARCHAR NOT NULL,         -- the reporting organisation (canonical name)
    period       VARCHAR NOT NULL,         -- YYYY-MM
    file_name    VARCHAR NOT NULL,
    file_sha256  VARCHAR NOT NULL,
    uploaded_by  VARCHAR NOT NULL,
    uploaded_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    is_demo      BOOLEAN NOT NULL DEFAULT false,   -- 演示数据
    outcome      VARCHAR NOT NULL,         -- accepted, partial, rejected, unchanged
    n_rows       INTEGER NOT NULL,
    n_accepted   INTEGER NOT NULL,
    n_rejected   INTEGER NOT NULL,
    message      VARCHAR
);

-- What a unit reported for one target (and jurisdiction) in one period. Append-only:
-- a correction is a new version; the latest version counts.
CREATE TABLE IF NOT EXISTS progress_reports (
    report_id         INTEGER PRIMARY KEY,
    upload_id         INTEGER NOT NULL REFERENCES uploads(upload_id),
    target_id         INTEGER NOT NULL REFERENCES targets(target_id),
    jurisdiction_code VARCHAR NOT NULL,    -- the whole-city row uses the city's code
    period            VARCHAR NOT NULL,    -- YYYY-MM
    version           INTEGER NOT NULL,
    value             DOUBLE,              -- cumulative value to date, in the target's unit as written
    reported_status   VARCHAR,             -- what the unit said (已完成 / 推进中 …)
    progress_text     VARCHAR,             -- 进展情况
    problems_text     VARCHAR,             -- 存在问题
    next_steps_text   VARCHAR,             -- 下步打算
    raw_cells         VARCHAR,             -- before schema 3: JSON of the cells as uploaded (now: the file itself)
    -- the first as-of month this report no longer answers for: the pair's next reported period, or its
    -- own period once a later version replaces it; NULL while nothing has (tracker.report_validity)
    valid_until       VARCHAR,
    source_row        INTEGER,             -- its row in the uploaded file's data sheet (upload_files)
    UNIQUE (target_id, jurisdiction_code, period, version)
);

-- The files that stored something, byte for byte, once per content (uploads.file_sha256): what a
-- report came from is its upload's file at its source_row. Demo uploads have no file.
CREATE TABLE IF NOT EXISTS upload_files (
    file_sha256 VARCHAR PRIMARY KEY,
    n_bytes     INTEGER NOT NULL,
    content     BLOB NOT NULL
);

-- Rows of an upload that were refused, with the reason, for the unit and the data-quality page.
CREATE TABLE IF NOT EXISTS upload_errors (
    upload_id   INTEGER NOT NULL REFERENCES uploads(upload_id),
    sheet       VARCHAR,
    row_number  INTEGER,
    column_name VARCHAR,
    message     VARCHAR NOT NULL
);

CREATE OR REPLACE VIEW latest_progress AS
SELECT p.*, u.unit_name, u.uploaded_by, u.uploaded_at, u.file_name, u.is_demo
FROM progress_reports p JOIN uploads u USING (upload_id)
QUALIFY row_number() OVER (PARTITION BY p.target_id, p.jurisdiction_code, p.period ORDER BY p.version DESC) = 1;

-- ---------------------------------------------------------------- allocation spreadsheets (issue 4)
-- One row per allocation spreadsheet loaded (民生实事责任分解); its documents point at the source
-- text the sheet was transcribed from (source_file_id), so offsets lead back to that text.
CREATE TABLE IF NOT EXISTS allocation_sheets (
    sheet_id       INTEGER PRIMARY KEY,
    file_name      VARCHAR NOT NULL,
    sha256         VARCHAR NOT NULL UNIQUE,
    source_file_id INTEGER NOT NULL REFERENCES source_files(file_id),
    loaded_at      TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- ---------------------------------------------------------------- People's Congress reports (issue 4)
-- A standing committee's work report or a bulletin of People's Congress news.
CREATE TABLE IF NOT EXISTS npc_reports (
    report_id         INTEGER PRIMARY KEY,
    file_id           INTEGER NOT NULL REFERENCES source_files(file_id),
    title             VARCHAR NOT NULL,
    kind              VARCHAR NOT NULL,      -- work_report (reviews the year before), bulletin
    jurisdiction_code VARCHAR NOT NULL REFERENCES jurisdictions(code),
    report_date       DATE,
    year              INTEGER NOT NULL       -- the year the report speaks for
);

-- One count of a standing committee's work in one year ("召开常委会会议 9 次"), with its sentence; or one
-- figure said at a topical inquiry (专题询问会, topic set): a programme's plan or its progress, by place.
CREATE TABLE IF NOT EXISTS npc_facts (
    fact_id           INTEGER PRIMARY KEY,
    report_id         INTEGER NOT NULL REFERENCES npc_reports(report_id),
    jurisdiction_code VARCHAR NOT NULL REFERENCES jurisdictions(code),
    body              VARCHAR NOT NULL,      -- 柯城区人大常委会
    year              INTEGER NOT NULL,
    metric            VARCHAR NOT NULL,      -- standing_meetings, reports_heard, appointments … (loaders/npc_reports.py)
    label             VARCHAR NOT NULL,      -- the metric in Chinese
    value             DOUBLE NOT NULL,
    unit              VARCHAR NOT NULL,      -- 次, 个, 项, 人次, % …
    approx            BOOLEAN NOT NULL,      -- "140余条"
    phrase            VARCHAR NOT NULL,      -- the clause as printed
    sentence          VARCHAR NOT NULL,
    source_start      INTEGER NOT NULL,      -- raw offsets of the phrase
    source_end        INTEGER NOT NULL,
    sentence_start    INTEGER NOT NULL,
    sentence_end      INTEGER NOT NULL,
    -- schema 4 (the columns below, in this order, also added to older files by tracker/db.py):
    topic             VARCHAR,               -- the inquiry's topic (农村饮用水安全保障); NULL: a work count
    nature            VARCHAR DEFAULT 'status',   -- target (计划/要求/拟: 472 座 to upgrade) or status (219 座 started)
    year_end          INTEGER,               -- last year of a figure over several (2023–2025), else NULL
    comparator        VARCHAR                -- '>=' ("70% 以上"), '<=', or NULL for a figure as it stands
);

-- A task without numbers from a report's task list ("二、2020年主要任务" → "（一）…").
CREATE TABLE IF NOT EXISTS npc_tasks (
    task_id           INTEGER PRIMARY KEY,
    report_id         INTEGER NOT NULL REFERENCES npc_reports(report_id),
    jurisdiction_code VARCHAR NOT NULL REFERENCES jurisdictions(code),
    body              VARCHAR NOT NULL,      -- the owner: 柯城区人大常委会
    year              INTEGER NOT NULL,
    number            INTEGER NOT NULL,
    label             VARCHAR NOT NULL,
    title             VARCHAR NOT NULL,
    text              VARCHAR NOT NULL,
    source_start      INTEGER NOT NULL,
    source_end        INTEGER NOT NULL
);

-- ---------------------------------------------------------------- supervision (issue 7)
-- What supervisors (督查) did to one reporting row (target × jurisdiction). Append-only: a record is
-- never updated or deleted; a mistake is taken back by a later 'undo' record naming the earlier one.
-- kind: close_out (销号, counts as 已完成 from action_date), send_back (二次交办, back to the unit
-- with a new deadline until a later close-out), undo (撤销: voids undoes_action_id).
CREATE TABLE IF NOT EXISTS supervision_actions (
    action_id         INTEGER PRIMARY KEY,
    target_id         INTEGER NOT NULL REFERENCES targets(target_id),
    jurisdiction_code VARCHAR NOT NULL,      -- the whole-city row uses the city's code
    kind              VARCHAR NOT NULL,      -- close_out, send_back, undo
    action_date       DATE NOT NULL,         -- the day it takes effect
    actor             VARCHAR NOT NULL,      -- who did it (accounts come with issue 8)
    note              VARCHAR NOT NULL,      -- evidence (销号), reason (二次交办), why (撤销)
    new_deadline      DATE,                  -- send_back only
    undoes_action_id  INTEGER,               -- undo only: the record it takes back
    evidence_name     VARCHAR,               -- optional evidence file (销号)
    evidence_sha256   VARCHAR,
    evidence          BLOB,
    recorded_at       TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- ---------------------------------------------------------------- accounts and audit (issue 8)
-- Who may sign in (tracker/auth.py). password_hash is an argon2id hash: the password itself is never
-- stored. A unit-bound account (role department or county) names its organisation; others have none.
-- Rows are updated only to change the password or the active flag; every change is in audit_log.
CREATE TABLE IF NOT EXISTS accounts (
    username      VARCHAR PRIMARY KEY,
    display_name  VARCHAR NOT NULL,
    role          VARCHAR NOT NULL,      -- leadership, department, county, supervisor, admin
    org_id        INTEGER,               -- organisations.org_id for department / county accounts
    password_hash VARCHAR NOT NULL,
    active        BOOLEAN NOT NULL DEFAULT true,
    created_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    created_by    VARCHAR NOT NULL,
    changed_at    TIMESTAMP
);

-- A sign-in kept across reloads and tabs of one browser (tracker/auth.py, tracker/session.py): the
-- browser holds a random token in a cookie, the table only its SHA-256. A token counts until it expires
-- or is ended (退出登录), and only while its account is active with the password it was issued under
-- (account_changed_at = accounts.changed_at then): a reset or a disabled account ends it.
CREATE TABLE IF NOT EXISTS sign_in_tokens (
    token_sha256       VARCHAR PRIMARY KEY,
    username           VARCHAR NOT NULL,
    account_changed_at TIMESTAMP,
    issued_at          TIMESTAMP NOT NULL,
    expires_at         TIMESTAMP NOT NULL,
    ended_at           TIMESTAMP
);

-- Every write, in order (tracker/audit.py): who, when, what, on which object, details, file hash.
-- Append-only: the code issues only INSERTs and the app offers no way to change it. row_hash chains
-- each record to the one before (sha256 over prev_hash and the record), so an edit made outside
-- the app with SQL shows up in tracker.audit.verify.
CREATE TABLE IF NOT EXISTS audit_log (
    audit_id    INTEGER PRIMARY KEY,
    recorded_at TIMESTAMP NOT NULL,
    actor       VARCHAR NOT NULL,       -- account username; 'os:<login>' from the command line; 'system'
    action      VARCHAR NOT NULL,       -- upload, correction, upload_rejected, close_out, … (audit.ACTIONS)
    target      VARCHAR,                -- the object: upload:12, row:T12-330800, account:alice, file:x.txt
    details     VARCHAR NOT NULL,       -- JSON object
    file_sha256 VARCHAR,
    prev_hash   VARCHAR NOT NULL,
    row_hash    VARCHAR NOT NULL
);

-- ---------------------------------------------------------------- stored status (issue 9)
-- Derived, never user data: the status table of an as-of month as tracker.progress_queries judges it,
-- stored so pages aggregate it in SQL (tracker/status_store.py). data_version fingerprints what it was
-- judged from; a snapshot of another fingerprint is stale and deleted at the next build.
CREATE TABLE IF NOT EXISTS status_snapshots (
    snapshot_id  INTEGER PRIMARY KEY,
    as_of        VARCHAR NOT NULL,         -- YYYY-MM
    level        VARCHAR NOT NULL,         -- city, jurisdiction
    scope        VARCHAR NOT NULL,         -- plan year ('2024') or 'all'
    settings_key VARCHAR NOT NULL,         -- JSON of tracker.settings.StatusSettings
    data_version VARCHAR NOT NULL,         -- JSON of [rules version, tracker.status_store.data_version]
    built_at     TIMESTAMP NOT NULL DEFAULT current_timestamp,
    n_rows       INTEGER NOT NULL,
    UNIQUE (as_of, level, scope, settings_key, data_version)
);

-- One row per status row (tracker.progress_queries.STATUS_COLUMNS, in that order), row_order as judged.
CREATE TABLE IF NOT EXISTS status_rows (
    snapshot_id       INTEGER NOT NULL,
    row_order         INTEGER NOT NULL,
    target_id         INTEGER NOT NULL,
    level             VARCHAR NOT NULL,
    allocated         BOOLEAN,
    jurisdiction_code VARCHAR,
    jurisdiction_name VARCHAR,
    doc_id            INTEGER,
    doc_number        VARCHAR,
    doc_title         VARCHAR,
    item_id           INTEGER,
    item_kind         VARCHAR,
    item_label        VARCHAR,
    item_title        VARCHAR,
    area_id           INTEGER,
    area_title        VARCHAR,
    seq               INTEGER,
    indicator         VARCHAR,
    raw               VARCHAR,
    kind              VARCHAR,
    comparator        VARCHAR,
    target_value      DOUBLE,
    target_value_high DOUBLE,
    unit              VARCHAR,
    due_date          DATE,
    lead_unit         VARCHAR,
    units             VARCHAR,
    leaders           VARCHAR,
    report_period     VARCHAR,
    reported_value    DOUBLE,
    reported_status   VARCHAR,
    unit_name         VARCHAR,
    is_demo           BOOLEAN,
    status            VARCHAR,
    actual_share      DOUBLE,
    expected_share    DOUBLE,
    gap_points        DOUBLE,
    overdue           BOOLEAN,
    note              VARCHAR,
    action            VARCHAR,
    action_id         BIGINT,
    action_date       DATE,
    action_by         VARCHAR,
    action_note       VARCHAR,
    action_deadline   DATE
);

-- The 催报 rows of a reporting period (tracker.supervision.reporting_rows): every unit and row it reports
-- for the period, with whether the row has a current report; a snapshot of level 'reporting'.
CREATE TABLE IF NOT EXISTS reporting_rows (
    snapshot_id       INTEGER NOT NULL,
    org_id            INTEGER NOT NULL,
    target_id         INTEGER NOT NULL,
    jurisdiction_code VARCHAR NOT NULL,
    doc_id            INTEGER NOT NULL,
    item_id           INTEGER NOT NULL,
    seq               INTEGER NOT NULL,
    city_row          BOOLEAN NOT NULL,
    reported          BOOLEAN NOT NULL
);

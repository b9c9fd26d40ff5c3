-- The embedded job store (data/state/jobs.db) in SQLite's words: the schema of db/migration as of V7, made in one
-- step. Later versions add a file with the same version number to both folders, so that the history of either
-- database names the same schema.
-- Timestamps are milliseconds since 1970 (the driver's date_class=INTEGER: what setTimestamp writes and
-- getTimestamp reads), days are 'yyyy-mm-dd' text; both sort and compare as the relay's queries expect.
-- job_event.id and recipient_outcome.id are INTEGER PRIMARY KEY: SQLite numbers them itself (the row id).

CREATE TABLE mail_job (
    id VARCHAR(128) PRIMARY KEY,
    status VARCHAR(16) NOT NULL,
    channel VARCHAR(16),
    admission VARCHAR(200),
    attempts INT NOT NULL,
    message_id VARCHAR(998),
    smtp_reply VARCHAR(2000),
    reason VARCHAR(4000),
    accepted INT,
    refused TEXT,
    sent_recipients TEXT,
    next_attempt_at TIMESTAMP WITH TIME ZONE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
    account VARCHAR(320),
    node VARCHAR(128),
    subject VARCHAR(1000),
    from_address VARCHAR(320)
);
CREATE INDEX mail_job_waiting ON mail_job (status, created_at);
CREATE INDEX mail_job_created ON mail_job (created_at);
CREATE INDEX mail_job_message_id ON mail_job (message_id);

-- unused since the daily budget went per account (account_daily_recipients); kept so that both schemas match
CREATE TABLE recipient_budget (
    budget_day DATE PRIMARY KEY,
    used INT NOT NULL
);

CREATE TABLE job_recipient (
    job_id VARCHAR(128) NOT NULL,
    address VARCHAR(320) NOT NULL,
    status VARCHAR(16) NOT NULL,
    reply VARCHAR(2000),
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
    job_created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (job_id, address)
);
CREATE INDEX job_recipient_address_created ON job_recipient (address, job_created_at, job_id);
CREATE INDEX job_recipient_status_created ON job_recipient (status, job_created_at, job_id);

CREATE TABLE job_event (
    id INTEGER PRIMARY KEY,
    job_id VARCHAR(128) NOT NULL,
    at TIMESTAMP WITH TIME ZONE NOT NULL,
    status VARCHAR(16) NOT NULL,
    node VARCHAR(128),
    attempt INT,
    message_id VARCHAR(998),
    smtp_reply VARCHAR(2000),
    reason VARCHAR(4000),
    next_attempt_at TIMESTAMP WITH TIME ZONE,
    detail TEXT
);
CREATE INDEX job_event_job ON job_event (job_id, id);
CREATE INDEX job_event_at ON job_event (at);

CREATE TABLE account_pause (
    account VARCHAR(320) PRIMARY KEY,
    paused_until TIMESTAMP WITH TIME ZONE,
    reason VARCHAR(4000),
    fix VARCHAR(2000),
    pauses_in_a_row INT NOT NULL,
    probe_node VARCHAR(128),
    probe_until TIMESTAMP WITH TIME ZONE,
    updated_by VARCHAR(128),
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE TABLE account_daily_recipients (
    account VARCHAR(320) NOT NULL,
    budget_day DATE NOT NULL,
    used INT NOT NULL,
    PRIMARY KEY (account, budget_day)
);

-- Bucket4j's token buckets: only a shared store (PostgreSQL) uses it; kept so that both schemas match
CREATE TABLE rate_limit_bucket (
    id VARCHAR(400) PRIMARY KEY,
    state BLOB
);

CREATE TABLE suppression (
    account VARCHAR(320) NOT NULL,
    list_name VARCHAR(64) NOT NULL,
    address VARCHAR(320) NOT NULL,
    address_lower VARCHAR(320) NOT NULL,
    reason VARCHAR(32) NOT NULL,
    detail VARCHAR(2000),
    job_id VARCHAR(128),
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (account, address_lower, list_name)
);

CREATE TABLE recipient_outcome (
    id INTEGER PRIMARY KEY,
    account VARCHAR(320) NOT NULL,
    job_id VARCHAR(128) NOT NULL,
    address VARCHAR(320) NOT NULL,
    address_lower VARCHAR(320) NOT NULL,
    outcome VARCHAR(16) NOT NULL,
    status_code VARCHAR(16),
    dsn_action VARCHAR(32),
    detail VARCHAR(2000),
    report_id VARCHAR(998) NOT NULL,
    occurred_at TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT recipient_outcome_once UNIQUE (job_id, address_lower, outcome, report_id)
);
CREATE INDEX recipient_outcome_recent ON recipient_outcome (account, outcome, occurred_at);
CREATE INDEX recipient_outcome_address ON recipient_outcome (account, address_lower, occurred_at);

CREATE TABLE processed_report (
    account VARCHAR(320) NOT NULL,
    report_id VARCHAR(998) NOT NULL,
    outcome VARCHAR(24) NOT NULL,
    job_id VARCHAR(128),
    detail VARCHAR(2000),
    processed_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (account, report_id)
);

CREATE TABLE console_secret (
    name VARCHAR(64) PRIMARY KEY,
    secret VARCHAR(200) NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE TABLE console_signed_out (
    session_id VARCHAR(64) PRIMARY KEY,
    expires_at TIMESTAMP WITH TIME ZONE NOT NULL
);

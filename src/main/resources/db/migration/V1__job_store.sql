-- The job store as the relay created it before Flyway managed it: a data/state/ database made by an earlier
-- version is taken over as it is (every statement is a no-op there), a new one starts from here.
-- Portable SQL: the same files run on the embedded H2 (MODE=PostgreSQL) and on PostgreSQL.

CREATE TABLE IF NOT EXISTS mail_job (
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
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL
);
-- the oldest databases lack this column
ALTER TABLE mail_job ADD COLUMN IF NOT EXISTS sent_recipients TEXT;
CREATE INDEX IF NOT EXISTS mail_job_updated ON mail_job (updated_at);
CREATE INDEX IF NOT EXISTS mail_job_waiting ON mail_job (status, created_at);

CREATE TABLE IF NOT EXISTS recipient_budget (
    budget_day DATE PRIMARY KEY,
    used INT NOT NULL
);

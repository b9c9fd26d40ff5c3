-- The console's search by recipient and by recipient status as index walks: each job_recipient row keeps its
-- job's created_at (the list's order, newest first), so the jobs of one address, or of one recipient status
-- (bounced, ...), are read from an index in the list's order and the walk stops after one page, however many
-- jobs the address or the status has. Until V5 these searches probed job_recipient for every job of a window.
-- Portable SQL: the same file runs on the embedded H2 (MODE=PostgreSQL) and on PostgreSQL.

ALTER TABLE job_recipient ADD COLUMN IF NOT EXISTS job_created_at TIMESTAMP WITH TIME ZONE;
-- rows written before: their job's created_at (a row whose job is gone - never written by the relay, which
-- deletes both together - keeps its own time, so that the column can be NOT NULL)
UPDATE job_recipient SET job_created_at = COALESCE(
        (SELECT j.created_at FROM mail_job j WHERE j.id = job_recipient.job_id), updated_at)
    WHERE job_created_at IS NULL;
-- every writer must fill it: a row without it would be missing from the searches
ALTER TABLE job_recipient ALTER COLUMN job_created_at SET NOT NULL;

-- (address, created_at, id) and (status, created_at, id): the keyset order of the list (created_at, id), so a
-- page and the next are one range of the index each
CREATE INDEX IF NOT EXISTS job_recipient_address_created ON job_recipient (address, job_created_at, job_id);
CREATE INDEX IF NOT EXISTS job_recipient_status_created ON job_recipient (status, job_created_at, job_id);
-- the address index of V2 is a prefix of the first: every write would pay for both
DROP INDEX IF EXISTS job_recipient_address;

-- mail_job had two indexes on (status, created_at): mail_job_waiting (V1) and mail_job_status_created (V2).
-- Every admission and every change of a job's status wrote both; one is kept, the one that wave-1 databases
-- already have.
CREATE INDEX IF NOT EXISTS mail_job_waiting ON mail_job (status, created_at);
DROP INDEX IF EXISTS mail_job_status_created;

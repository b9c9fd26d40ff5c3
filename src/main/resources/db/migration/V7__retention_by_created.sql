-- The retention sweep finds old jobs through mail_job_created (a job is never updated before it was created, so
-- every job last updated before the cut-off was also created before it); mail_job_updated, which every change
-- of every job rewrote, is no longer needed.
DROP INDEX IF EXISTS mail_job_updated;

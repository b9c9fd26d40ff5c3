-- The operator console (/console/): what it keeps, and an index its mail list needs.
-- Portable SQL: the same file runs on the embedded H2 (MODE=PostgreSQL) and on PostgreSQL.

-- the install's secret that signs the console's session cookies: made by the first relay that needs it, shared
-- by every relay of a cluster (a session works on all of them)
CREATE TABLE IF NOT EXISTS console_secret (
    name VARCHAR(64) PRIMARY KEY,
    secret VARCHAR(200) NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL
);

-- sessions signed out before they expired: refused by every relay until expires_at, then forgotten
CREATE TABLE IF NOT EXISTS console_signed_out (
    session_id VARCHAR(64) PRIMARY KEY,
    expires_at TIMESTAMP WITH TIME ZONE NOT NULL
);

-- The history of the statements run (sparkify/engine/sql/redshift/history.py records them): Redshift's
-- sys_query_history, stl_query, stl_querytext, stl_ddltext, stl_utilitytext, svl_qlog, svl_statementtext,
-- sys_load_history, sys_unload_history and sys_load_error_detail over one table; stv_tbl_perm and
-- svv_transactions over PostgreSQL's own catalog.  A user sees its own statements; a superuser, and a user
-- with SYSLOG ACCESS UNRESTRICTED (PostgreSQL's pg_read_all_stats), sees every user's.
CREATE TABLE IF NOT EXISTS sparkify_redshift.query_history (
    query_id             bigint PRIMARY KEY,
    user_id              integer,
    user_name            text,
    database_name        text,
    session_id           integer,
    transaction_id       bigint DEFAULT 0,
    query_type           text,
    status               text,
    start_time           timestamp,
    end_time             timestamp,
    error_message        text,
    returned_rows        bigint,
    query_text           text,
    table_name           text,
    data_source          text,
    file_format          text,
    loaded_rows          bigint,
    loaded_bytes         bigint,
    source_file_count    integer,
    error_count          bigint,
    unloaded_location    text,
    unload_format        text,
    unloaded_rows        bigint,
    unloaded_files_count bigint,
    unloaded_files_size  bigint
);
CREATE INDEX IF NOT EXISTS query_history_start_time ON sparkify_redshift.query_history (start_time);
-- Each process that records takes its query ids a block at a time (history.ID_BLOCK).
CREATE SEQUENCE IF NOT EXISTS sparkify_redshift.query_ids INCREMENT BY 1000 MINVALUE 1000 START WITH 1000;
GRANT USAGE ON SEQUENCE sparkify_redshift.query_ids TO PUBLIC;

-- How many statements query_history holds, kept by record_staged_queries (which alone writes the table), so
-- that the bound deletes the oldest few from the index's old end instead of reading the newest `keep` at each
-- write.  Counted once when the table is made.
CREATE TABLE IF NOT EXISTS sparkify_redshift.query_history_size (
    one        boolean PRIMARY KEY DEFAULT true CHECK (one),
    statements bigint NOT NULL
);
INSERT INTO sparkify_redshift.query_history_size
SELECT true, count(*) FROM sparkify_redshift.query_history
ON CONFLICT (one) DO NOTHING;

-- One batch of records, staged by COPY in the writer's own temporary table (history.STAGING, rows of
-- history.QueryRecord.copy_line), then the bound: the newest `keep` statements of the last `days` days.
-- (JSON, as record_queries took them, cost a dict and a parse per statement.)
DROP FUNCTION IF EXISTS sparkify_redshift.record_queries(json, integer, double precision);
CREATE OR REPLACE FUNCTION sparkify_redshift.record_staged_queries(keep integer, days double precision)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    held    bigint;  -- the statements in query_history (the size row's lock orders concurrent writers)
    changed bigint;
    expiry  timestamp;
    recording constant text := $insert$
        INSERT INTO sparkify_redshift.query_history
        SELECT r.query_id, u.oid::integer, r.user_name,
               r.database_name, r.session_id, 0, r.query_type, r.status,
               to_timestamp(r.start_epoch) AT TIME ZONE 'UTC', to_timestamp(r.end_epoch) AT TIME ZONE 'UTC',
               r.error_message, r.returned_rows, r.query_text, r.table_name, r.data_source, r.file_format,
               r.loaded_rows, r.loaded_bytes, r.source_file_count, r.error_count, r.unloaded_location,
               r.unload_format, r.unloaded_rows, r.unloaded_files_count, r.unloaded_files_size
          FROM pg_temp.staged_queries AS r
          LEFT JOIN pg_roles u ON u.rolname = r.user_name $insert$;
BEGIN
    SELECT statements INTO held FROM sparkify_redshift.query_history_size FOR UPDATE;
    -- Query ids are unique (blocks of a sequence) unless a block could not be reserved (history.py takes ids
    -- from 1 then): only then the batch goes again with ON CONFLICT, whose speculative insertion cost about
    -- 3 µs a record when it was always on.
    BEGIN
        EXECUTE recording;
    EXCEPTION WHEN unique_violation THEN
        EXECUTE recording || ' ON CONFLICT (query_id) DO NOTHING';
    END;
    GET DIAGNOSTICS changed = ROW_COUNT;
    held := held + changed;
    -- Beyond the newest `keep`: the oldest, as many as there are too many.
    IF held > greatest(keep, 1) THEN
        DELETE FROM sparkify_redshift.query_history
         WHERE ctid = ANY (ARRAY(SELECT ctid FROM sparkify_redshift.query_history
                                  ORDER BY start_time LIMIT held - greatest(keep, 1)));
        GET DIAGNOSTICS changed = ROW_COUNT;
        held := held - changed;
    END IF;
    -- Older than the days kept, when the oldest is (min reads the index's first entry; a plan of its own
    -- for the cutoff read the whole table, the cutoff worked out again for each row).
    expiry := (now() AT TIME ZONE 'UTC') - days * interval '1 day';
    IF (SELECT min(start_time) FROM sparkify_redshift.query_history) < expiry THEN
        DELETE FROM sparkify_redshift.query_history WHERE start_time < expiry;
        GET DIAGNOSTICS changed = ROW_COUNT;
        held := held - changed;
    END IF;
    UPDATE sparkify_redshift.query_history_size SET statements = held;
END $$;
REVOKE ALL ON FUNCTION sparkify_redshift.record_staged_queries(integer, double precision) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sparkify_redshift.record_staged_queries(integer, double precision) TO PUBLIC;

-- Whose statements the caller sees: its own; every user's for superusers and SYSLOG ACCESS UNRESTRICTED.
CREATE OR REPLACE FUNCTION sparkify_redshift.sees_queries_of(owner integer) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT owner = (SELECT oid::integer FROM pg_catalog.pg_roles WHERE rolname = current_user)
        OR pg_catalog.pg_has_role('pg_read_all_stats', 'USAGE') $$;

-- The rows the caller may see, in the views' terms (elapsed in microseconds, as Redshift counts).
CREATE OR REPLACE VIEW sparkify_redshift.visible_query_history WITH (security_barrier) AS
SELECT h.*, coalesce((extract(epoch FROM h.end_time - h.start_time) * 1000000)::bigint, 0) AS elapsed
  FROM sparkify_redshift.query_history h
 WHERE sparkify_redshift.sees_queries_of(h.user_id);

DROP VIEW IF EXISTS sparkify_redshift.sys_query_history;
CREATE VIEW sparkify_redshift.sys_query_history AS
SELECT user_id, query_id, ''::character(320) AS query_label, transaction_id, session_id,
       database_name::character(128) AS database_name, query_type::character(32) AS query_type,
       status::character(10) AS status, false AS result_cache_hit, start_time, end_time,
       elapsed AS elapsed_time, 0::bigint AS queue_time, elapsed AS execution_time,
       error_message::character(512) AS error_message, returned_rows, 0::bigint AS returned_bytes,
       query_text::character(4000) AS query_text, '1.0'::character(256) AS redshift_version,
       ''::character(150) AS usage_limit, 'primary'::character(32) AS compute_type,
       0::bigint AS compile_time, 0::bigint AS planning_time, 0::bigint AS lock_wait_time,
       0 AS service_class_id, ''::character(64) AS service_class_name, ''::character(20) AS query_priority,
       'false'::character(10) AS short_query_accelerated, ''::character(40) AS user_query_hash,
       ''::character(40) AS generic_query_hash, 0 AS query_hash_version, NULL::bigint AS result_cache_query_id
  FROM sparkify_redshift.visible_query_history;

-- stl_query and stl_querytext hold queries; DDL and utility statements are in stl_ddltext and stl_utilitytext.
DROP VIEW IF EXISTS sparkify_redshift.stl_query;
CREATE VIEW sparkify_redshift.stl_query AS
SELECT user_id AS userid, query_id::integer AS query, ''::character(320) AS label, transaction_id AS xid,
       session_id AS pid, database_name::character(32) AS database, query_text::character(4000) AS querytxt,
       start_time AS starttime, end_time AS endtime, (status <> 'success')::integer AS aborted,
       0 AS insert_pristine, 19 AS concurrency_scaling_status
  FROM sparkify_redshift.visible_query_history
 WHERE query_type NOT IN ('DDL', 'UTILITY');

-- A statement's text in 200-character pieces (newlines written as \n), numbered from 0 by sequence.
CREATE OR REPLACE VIEW sparkify_redshift.query_text_pieces AS
SELECT h.user_id, h.transaction_id, h.session_id, h.query_id, h.query_type, h.start_time, h.end_time,
       piece.sequence, substr(h.escaped, piece.sequence * 200 + 1, 200)::character(200) AS text
  FROM (SELECT v.*, replace(v.query_text, chr(10), chr(92) || 'n') AS escaped
          FROM sparkify_redshift.visible_query_history v) AS h
 CROSS JOIN LATERAL generate_series(0, greatest((length(h.escaped) - 1) / 200, 0)) AS piece (sequence);

DROP VIEW IF EXISTS sparkify_redshift.stl_querytext;
CREATE VIEW sparkify_redshift.stl_querytext AS
SELECT user_id AS userid, transaction_id AS xid, session_id AS pid, query_id::integer AS query, sequence, text
  FROM sparkify_redshift.query_text_pieces WHERE query_type NOT IN ('DDL', 'UTILITY');
DROP VIEW IF EXISTS sparkify_redshift.stl_ddltext;
CREATE VIEW sparkify_redshift.stl_ddltext AS
SELECT user_id AS userid, transaction_id AS xid, session_id AS pid, ''::character(320) AS label,
       start_time AS starttime, end_time AS endtime, sequence, text
  FROM sparkify_redshift.query_text_pieces WHERE query_type = 'DDL';
DROP VIEW IF EXISTS sparkify_redshift.stl_utilitytext;
CREATE VIEW sparkify_redshift.stl_utilitytext AS
SELECT user_id AS userid, transaction_id AS xid, session_id AS pid, ''::character(320) AS label,
       start_time AS starttime, end_time AS endtime, sequence, text
  FROM sparkify_redshift.query_text_pieces WHERE query_type = 'UTILITY';
DROP VIEW IF EXISTS sparkify_redshift.svl_statementtext;
CREATE VIEW sparkify_redshift.svl_statementtext AS
SELECT user_id AS userid, transaction_id AS xid, session_id AS pid, ''::character(320) AS label,
       start_time AS starttime, end_time AS endtime, sequence,
       CASE query_type WHEN 'DDL' THEN 'DDL' WHEN 'UTILITY' THEN 'UTILITY' ELSE 'QUERY' END::character(10) AS type,
       text
  FROM sparkify_redshift.query_text_pieces;

DROP VIEW IF EXISTS sparkify_redshift.svl_qlog;
CREATE VIEW sparkify_redshift.svl_qlog AS
SELECT user_id AS userid, query_id::integer AS query, transaction_id AS xid, session_id AS pid,
       start_time AS starttime, end_time AS endtime, elapsed, (status <> 'success')::integer AS aborted,
       ''::character(320) AS label, query_text::character(60) AS substring, NULL::integer AS source_query,
       'Concurrency Scaling not used'::character(255) AS concurrency_scaling_status_txt,
       NULL::integer AS from_sp_call
  FROM sparkify_redshift.visible_query_history
 WHERE query_type NOT IN ('DDL', 'UTILITY');

DROP VIEW IF EXISTS sparkify_redshift.sys_load_history;
CREATE VIEW sparkify_redshift.sys_load_history AS
SELECT user_id, query_id, transaction_id, session_id, database_name,
       CASE status WHEN 'success' THEN 'completed' ELSE 'aborted' END AS status, table_name, start_time,
       end_time, elapsed AS duration, data_source, file_format, loaded_rows, loaded_bytes, source_file_count,
       loaded_bytes AS source_file_bytes, source_file_count AS file_count_scanned,
       loaded_bytes AS file_bytes_scanned, error_count, 0::bigint AS copy_job_id
  FROM sparkify_redshift.visible_query_history
 WHERE query_type = 'COPY';

DROP VIEW IF EXISTS sparkify_redshift.sys_unload_history;
CREATE VIEW sparkify_redshift.sys_unload_history AS
SELECT user_id, query_id, transaction_id, session_id, database_name,
       CASE status WHEN 'success' THEN 'completed' ELSE 'aborted' END AS status, start_time, end_time,
       elapsed AS duration, unload_format AS file_format, NULL::text AS compression_type,
       unloaded_location, unloaded_rows, unloaded_files_count, unloaded_files_size, error_message
  FROM sparkify_redshift.visible_query_history
 WHERE query_type = 'UNLOAD';

DROP VIEW IF EXISTS sparkify_redshift.sys_load_error_detail;
CREATE VIEW sparkify_redshift.sys_load_error_detail AS
SELECT e.userid AS user_id, e.query::bigint AS query_id, 0::bigint AS transaction_id, e.session AS session_id,
       current_database()::text AS database_name, e.tbl AS table_id, e.starttime AS start_time,
       e.filename::text AS file_name, e.line_number, e.colname::text AS column_name,
       e.type::text AS column_type, e.col_length::text AS column_length, e.position, e.err_code AS error_code,
       e.err_reason::text AS error_message, e.raw_line::text AS raw_line,
       e.raw_field_value::text AS raw_field_value
  FROM sparkify_redshift.stl_load_errors e;

-- stv_tbl_perm: one row per table (one slice, 0), its rows as PostgreSQL's statistics count them.
DROP VIEW IF EXISTS sparkify_redshift.stv_tbl_perm;
CREATE VIEW sparkify_redshift.stv_tbl_perm AS
SELECT 0 AS slice, c.oid::integer AS id, c.relname::character(72) AS name,
       coalesce(s.n_live_tup + s.n_dead_tup, 0)::bigint AS rows, 0::bigint AS sorted_rows,
       (c.relpersistence = 't')::integer AS temp, d.oid::integer AS db_id, 0 AS insert_pristine,
       0 AS delete_pristine, (c.relpersistence <> 'u')::integer AS backup, 0 AS dist_style,
       (pg_catalog.pg_relation_size(c.oid) / 1048576)::bigint AS block_count
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_database d ON d.datname = current_database()
  LEFT JOIN pg_catalog.pg_stat_all_tables s ON s.relid = c.oid
 WHERE c.relkind IN ('r', 'p', 'm')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'sparkify_redshift', 'pg_toast');

-- svv_transactions: the locks of the open transactions, as pg_locks and pg_stat_activity tell them.
DROP VIEW IF EXISTS sparkify_redshift.svv_transactions;
CREATE VIEW sparkify_redshift.svv_transactions AS
SELECT a.usename::text AS txn_owner, a.datname::text AS txn_db,
       coalesce(l.transactionid::text, a.backend_xid::text, '0')::bigint AS xid, a.pid,
       a.xact_start::timestamp AS txn_start, l.mode::text AS lock_mode, l.locktype::text AS lockable_object_type,
       l.relation::integer AS relation, l.granted
  FROM pg_catalog.pg_locks l
  JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
 WHERE a.xact_start IS NOT NULL AND a.backend_type = 'client backend' AND l.locktype IN ('relation', 'transactionid');

GRANT SELECT ON sparkify_redshift.sys_query_history, sparkify_redshift.stl_query, sparkify_redshift.stl_querytext,
                sparkify_redshift.stl_ddltext, sparkify_redshift.stl_utilitytext,
                sparkify_redshift.svl_statementtext, sparkify_redshift.svl_qlog, sparkify_redshift.sys_load_history,
                sparkify_redshift.sys_unload_history, sparkify_redshift.sys_load_error_detail,
                sparkify_redshift.stv_tbl_perm, sparkify_redshift.svv_transactions
   TO PUBLIC;

-- The session's last statement and UNLOAD (the endpoint puts their values in the statement's text; -1 before
-- any, as on Redshift).
CREATE OR REPLACE FUNCTION sparkify_redshift.pg_last_query_id() RETURNS integer
LANGUAGE sql STABLE AS $$ SELECT coalesce(nullif(current_setting('redshift.last_query_id', true), ''), '-1')::integer $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.pg_last_unload_id() RETURNS integer
LANGUAGE sql STABLE AS $$ SELECT coalesce(nullif(current_setting('redshift.last_unload_id', true), ''), '-1')::integer $$;

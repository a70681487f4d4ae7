-- Redshift's catalog, as far as tutorials and tools read it: pg_table_def, svv_table_info, stv_sessions,
-- stl_load_commits; and the record of each table's distribution, sort keys and encodings as its DDL wrote them.

CREATE TABLE IF NOT EXISTS sparkify_redshift.table_style (
    table_oid  oid PRIMARY KEY,
    diststyle  text NOT NULL,
    sortstyle  text
);
CREATE TABLE IF NOT EXISTS sparkify_redshift.table_layout (
    table_oid   oid NOT NULL,
    column_name name NOT NULL,
    distkey     boolean NOT NULL DEFAULT false,
    sortkey     integer NOT NULL DEFAULT 0,
    encoding    text,
    PRIMARY KEY (table_oid, column_name)
);
-- An IDENTITY column its DDL left nullable (PostgreSQL's identity columns are all NOT NULL).
ALTER TABLE sparkify_redshift.table_layout ADD COLUMN IF NOT EXISTS nullable_identity boolean NOT NULL DEFAULT false;

-- Redshift's default encodings (ENCODE AUTO): none for sort keys, booleans and floats, az64 for numbers
-- and times, lzo for strings.
CREATE OR REPLACE FUNCTION sparkify_redshift.default_encoding(type_oid oid, sortkey integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN sortkey <> 0 THEN 'none'
        WHEN type_oid IN ('boolean'::regtype, 'real'::regtype, 'double precision'::regtype) THEN 'none'
        WHEN type_oid IN ('smallint'::regtype, 'integer'::regtype, 'bigint'::regtype, 'numeric'::regtype,
                          'date'::regtype, 'timestamp'::regtype, 'timestamptz'::regtype, 'time'::regtype,
                          'timetz'::regtype) THEN 'az64'
        WHEN type_oid IN ('character'::regtype, 'character varying'::regtype, 'text'::regtype) THEN 'lzo'
        ELSE 'none'
    END $$;

-- Each table's primary and unique keys as its DDL wrote them: informational on Redshift, so PostgreSQL gets
-- no constraint (it would refuse duplicates); the leader node's catalog views show them (leader_pg_constraint …).
-- Its constraint oid comes from a range PostgreSQL's own counter does not reach in practice.
CREATE SEQUENCE IF NOT EXISTS sparkify_redshift.constraint_oids
    AS bigint MINVALUE 4000000000 MAXVALUE 4294967295 START 4000000000 CYCLE;
CREATE TABLE IF NOT EXISTS sparkify_redshift.table_keys (
    constraint_oid  oid PRIMARY KEY DEFAULT nextval('sparkify_redshift.constraint_oids')::oid,
    table_oid       oid NOT NULL,
    constraint_name name NOT NULL,
    contype         "char" NOT NULL DEFAULT 'p',
    columns         smallint[] NOT NULL
);
CREATE INDEX IF NOT EXISTS table_keys_table ON sparkify_redshift.table_keys (table_oid);
-- A foreign key's referenced table and columns (pg_constraint's confrelid and confkey).
ALTER TABLE sparkify_redshift.table_keys ADD COLUMN IF NOT EXISTS referenced_table oid,
                                         ADD COLUMN IF NOT EXISTS referenced_columns smallint[];

-- The numbers of a table's columns, named in a JSON array, in the array's order.
CREATE OR REPLACE FUNCTION sparkify_redshift.column_numbers(target oid, column_names jsonb) RETURNS smallint[]
LANGUAGE sql STABLE AS $$
    SELECT ARRAY(SELECT a.attnum FROM jsonb_array_elements_text(column_names) WITH ORDINALITY AS c(column_name, ord)
                   JOIN pg_catalog.pg_attribute a ON a.attrelid = target AND a.attname = c.column_name
                  ORDER BY c.ord) $$;

-- Called by the adapter's CREATE TABLE: records the layout and gives the first sort key column a BRIN
-- index, PostgreSQL's nearest thing to a zone map (range-restricted scans and merges use it).
-- keys: [{"kind": "p", "u" or "f", "columns": [...], "name": null or the DDL's,
--         "references": a foreign key's table oid, "referenced_columns": [...] (none: its primary key)}, ...]
DROP FUNCTION IF EXISTS sparkify_redshift.record_table_layout(regclass, text, text, text[], text, text[], text[], regclass);
DROP FUNCTION IF EXISTS sparkify_redshift.record_table_layout(regclass, text, text, text[], text, text[], text[], regclass, jsonb);
CREATE OR REPLACE FUNCTION sparkify_redshift.record_table_layout(
    target regclass, dist_style text, dist_key text, sort_keys text[], sort_style text,
    encoded_columns text[], encoding_names text[], like_table regclass, keys jsonb, nullable_identities text[]
) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    position int;
BEGIN
    -- It runs as the shims' owner: only the table's owner (or a member of it) may record its layout.
    IF NOT pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = target), 'USAGE') THEN
        RAISE EXCEPTION 'must be owner of relation %', (SELECT relname FROM pg_class WHERE oid = target)
              USING ERRCODE = '42501';
    END IF;
    DELETE FROM sparkify_redshift.table_style s WHERE NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = s.table_oid);
    DELETE FROM sparkify_redshift.table_layout l WHERE NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = l.table_oid);
    DELETE FROM sparkify_redshift.table_keys k WHERE NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = k.table_oid);
    DELETE FROM sparkify_redshift.table_style WHERE table_oid = target;
    DELETE FROM sparkify_redshift.table_layout WHERE table_oid = target;
    DELETE FROM sparkify_redshift.table_keys WHERE table_oid = target;
    -- Unnamed keys are named as PostgreSQL (and Redshift) name them: <table>_pkey, <table>_<columns>_key,
    -- <table>_<first column>_fkey (a cluster's composite foreign key: child_p_id1_fkey, as PostgreSQL 8.0
    -- named it).  A foreign key whose table is not there is not recorded.
    -- A table without keys skips the statement: planned in a new session it cost most of a CREATE TABLE.
    IF jsonb_array_length(coalesce(keys, '[]')) > 0 THEN
        INSERT INTO sparkify_redshift.table_keys (table_oid, constraint_name, contype, columns, referenced_table,
                                                  referenced_columns)
        SELECT target,
               coalesce(k.key ->> 'name',
                        left((SELECT relname FROM pg_class WHERE oid = target)
                             || CASE WHEN k.key ->> 'kind' = 'p' THEN ''
                                     WHEN k.key ->> 'kind' = 'f' THEN '_' || (k.key -> 'columns' ->> 0)
                                     ELSE '_' || (SELECT string_agg(c, '_') FROM jsonb_array_elements_text(k.key -> 'columns') AS c)
                                END, 58)
                        || CASE k.key ->> 'kind' WHEN 'p' THEN '_pkey' WHEN 'f' THEN '_fkey' ELSE '_key' END),
               (k.key ->> 'kind')::"char",
               sparkify_redshift.column_numbers(target, k.key -> 'columns'),
               referenced.oid,
               CASE WHEN jsonb_array_length(coalesce(k.key -> 'referenced_columns', '[]')) > 0
                    THEN sparkify_redshift.column_numbers(referenced.oid, k.key -> 'referenced_columns')
                    ELSE (SELECT p.columns FROM sparkify_redshift.table_keys p
                           WHERE p.table_oid = referenced.oid AND p.contype = 'p' LIMIT 1)
               END
          FROM jsonb_array_elements(coalesce(keys, '[]')) AS k(key)
          LEFT JOIN pg_class referenced ON referenced.oid = (k.key ->> 'references')::oid
         WHERE k.key ->> 'kind' <> 'f' OR referenced.oid IS NOT NULL;
    END IF;
    IF like_table IS NOT NULL THEN
        INSERT INTO sparkify_redshift.table_style
            SELECT target, s.diststyle, s.sortstyle FROM sparkify_redshift.table_style s WHERE s.table_oid = like_table;
        INSERT INTO sparkify_redshift.table_layout
            SELECT target, l.column_name, l.distkey, l.sortkey, l.encoding, l.nullable_identity
            FROM sparkify_redshift.table_layout l WHERE l.table_oid = like_table;
        SELECT array_agg(l.column_name::text ORDER BY abs(l.sortkey)) INTO sort_keys
            FROM sparkify_redshift.table_layout l WHERE l.table_oid = target AND l.sortkey <> 0;
    ELSE
        INSERT INTO sparkify_redshift.table_style VALUES (target, dist_style, sort_style);
        INSERT INTO sparkify_redshift.table_layout (table_oid, column_name)
            SELECT target, a.attname FROM pg_attribute a
            WHERE a.attrelid = target AND a.attnum > 0 AND NOT a.attisdropped;
        UPDATE sparkify_redshift.table_layout SET distkey = true
            WHERE table_oid = target AND column_name = dist_key;
        UPDATE sparkify_redshift.table_layout SET nullable_identity = true
            WHERE table_oid = target AND column_name = ANY (nullable_identities);
        FOR position IN 1..coalesce(array_length(sort_keys, 1), 0) LOOP
            UPDATE sparkify_redshift.table_layout
               SET sortkey = CASE WHEN sort_style = 'interleaved' AND position % 2 = 0 THEN -position ELSE position END
             WHERE table_oid = target AND column_name = sort_keys[position];
        END LOOP;
        FOR position IN 1..coalesce(array_length(encoded_columns, 1), 0) LOOP
            UPDATE sparkify_redshift.table_layout SET encoding = lower(encoding_names[position])
             WHERE table_oid = target AND column_name = encoded_columns[position];
        END LOOP;
    END IF;
    IF coalesce(array_length(sort_keys, 1), 0) > 0 THEN
        EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s USING brin (%I)',
                       left((SELECT relname FROM pg_class WHERE oid = target), 50) || '_sortkey_brin',
                       target, sort_keys[1]);
    END IF;
END $$;

-- ALTER TABLE target APPEND FROM source: moves the rows, matching columns by name.
CREATE OR REPLACE FUNCTION sparkify_redshift.append_table(target regclass, source regclass, mode text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    shared text;
    missing text;
BEGIN
    SELECT string_agg(format('%I', t.attname), ', ' ORDER BY t.attnum) INTO shared
      FROM pg_attribute t JOIN pg_attribute s ON s.attrelid = source AND s.attname = t.attname
                                               AND s.attnum > 0 AND NOT s.attisdropped
     WHERE t.attrelid = target AND t.attnum > 0 AND NOT t.attisdropped;
    SELECT string_agg(s.attname, ', ') INTO missing FROM pg_attribute s
     WHERE s.attrelid = source AND s.attnum > 0 AND NOT s.attisdropped
       AND NOT EXISTS (SELECT FROM pg_attribute t WHERE t.attrelid = target AND t.attname = s.attname
                                                    AND NOT t.attisdropped);
    IF missing IS NOT NULL AND mode <> 'IGNOREEXTRA' THEN
        RAISE EXCEPTION 'Source table has columns (%) that the target table does not have', missing
              USING HINT = 'Use IGNOREEXTRA to drop them.';
    END IF;
    -- The rows move with their IDENTITY values, as Redshift's APPEND moves them.
    EXECUTE format('INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %s', target, shared, shared, source);
    EXECUTE format('DELETE FROM %s', source);
END $$;

CREATE OR REPLACE VIEW sparkify_redshift.pg_table_def AS
SELECT n.nspname AS schemaname,
       c.relname AS tablename,
       a.attname AS "column",
       CASE WHEN a.atttypid = 'json'::regtype THEN 'super' ELSE format_type(a.atttypid, a.atttypmod) END
           AS type,
       coalesce(l.encoding, sparkify_redshift.default_encoding(a.atttypid, coalesce(l.sortkey, 0))) AS encoding,
       coalesce(l.distkey, false) AS distkey,
       coalesce(l.sortkey, 0) AS sortkey,
       a.attnotnull AND NOT coalesce(l.nullable_identity, false) AS notnull
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN sparkify_redshift.table_layout l ON l.table_oid = c.oid AND l.column_name = a.attname
 WHERE c.relkind IN ('r', 'p')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'sparkify_redshift')
   AND pg_table_is_visible(c.oid)
 ORDER BY n.nspname, c.relname, a.attnum;

CREATE OR REPLACE FUNCTION sparkify_redshift.table_rows(target regclass) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
    counted bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM %s', target) INTO counted;
    RETURN counted;
END $$;

-- svv_table_info lists tables that hold rows, as Redshift's does.
DROP VIEW IF EXISTS sparkify_redshift.svv_table_info;
CREATE VIEW sparkify_redshift.svv_table_info AS
SELECT * FROM (
SELECT current_database()::text AS database,
       n.nspname::text AS schema,
       c.oid::bigint AS table_id,
       c.relname::text AS "table",
       CASE WHEN EXISTS (SELECT FROM sparkify_redshift.table_layout l
                          WHERE l.table_oid = c.oid AND l.encoding IS NOT NULL AND l.encoding <> 'raw')
            THEN 'Y' ELSE 'Y, AUTO(ENCODE)' END AS encoded,
       CASE coalesce(s.diststyle, CASE c.relkind WHEN 'm' THEN 'even' ELSE 'auto' END)  -- a view's default
            WHEN 'key' THEN 'KEY(' || (SELECT l.column_name FROM sparkify_redshift.table_layout l
                                        WHERE l.table_oid = c.oid AND l.distkey LIMIT 1) || ')'
            WHEN 'auto' THEN 'AUTO(ALL)'
            ELSE upper(coalesce(s.diststyle, 'even')) END AS diststyle,
       (SELECT l.column_name::text FROM sparkify_redshift.table_layout l
         WHERE l.table_oid = c.oid AND abs(l.sortkey) = 1) AS sortkey1,
       (SELECT coalesce(l.encoding, 'none') FROM sparkify_redshift.table_layout l
         WHERE l.table_oid = c.oid AND abs(l.sortkey) = 1) AS sortkey1_enc,
       (SELECT max(a.atttypmod - 4) FROM pg_attribute a
         WHERE a.attrelid = c.oid AND a.atttypid = 'character varying'::regtype AND a.attnum > 0)::integer
           AS max_varchar,
       (SELECT count(*) FROM sparkify_redshift.table_layout l WHERE l.table_oid = c.oid AND l.sortkey <> 0)::integer
           AS sortkey_num,
       greatest(1, ceil(pg_total_relation_size(c.oid) / 1048576.0))::bigint AS size,
       0::numeric(10, 4) AS pct_used,
       0::bigint AS empty,
       0::numeric(10, 4) AS unsorted,
       0::numeric(10, 2) AS stats_off,
       sparkify_redshift.table_rows(c.oid) AS tbl_rows,
       NULL::numeric(10, 4) AS skew_sortkey1,
       NULL::numeric(10, 4) AS skew_rows,
       c.reltuples::bigint AS estimated_visible_rows,
       NULL::character(100) AS risk_event,
       NULL::numeric(12, 2) AS vacuum_sort_benefit,
       NULL::timestamp AS create_time
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN sparkify_redshift.table_style s ON s.table_oid = c.oid
 WHERE c.relkind IN ('r', 'p', 'm') AND c.relpersistence <> 't'
   AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'sparkify_redshift')
   AND has_table_privilege(c.oid, 'SELECT')
) AS tables  -- and a materialized view by its own name, as dbt-redshift's describe finds it
 WHERE tbl_rows > 0 OR table_id IN (SELECT oid FROM pg_class WHERE relkind = 'm');

CREATE OR REPLACE VIEW sparkify_redshift.stv_sessions AS
SELECT backend_start::timestamp AS starttime,
       pid AS process,
       rpad(usename::text, 50)::character(50) AS user_name,
       rpad(datname::text, 50)::character(50) AS db_name,
       (now() - backend_start)::interval AS session_duration
  FROM pg_stat_activity
 WHERE backend_type = 'client backend';

CREATE TABLE IF NOT EXISTS sparkify_redshift.stl_load_commits (
    userid        integer,
    query         integer,
    slice         integer DEFAULT 0,
    name          character(256),
    filename      character(256),
    byte_offset   integer DEFAULT 0,
    lines_scanned integer,
    errors        integer DEFAULT 0,
    curtime       timestamp DEFAULT (now() AT TIME ZONE 'UTC'),
    status        integer DEFAULT 0,
    file_format   character(16)
);
-- Every COPY numbers itself MAX(query) + 1, and every load adds a row per file (the song files too): without
-- an index that MAX reads every load's rows, so a day's load would cost more with each day loaded before.
CREATE INDEX IF NOT EXISTS stl_load_commits_query ON sparkify_redshift.stl_load_commits (query);
GRANT SELECT, INSERT ON sparkify_redshift.stl_load_commits TO PUBLIC;
GRANT SELECT ON sparkify_redshift.pg_table_def, sparkify_redshift.svv_table_info,
                sparkify_redshift.stv_sessions, sparkify_redshift.table_layout, sparkify_redshift.table_style
   TO PUBLIC;

CREATE OR REPLACE VIEW sparkify_redshift.svv_tables AS
SELECT table_catalog::text, table_schema::text, table_name::text, table_type::text, NULL::text AS remarks
  FROM information_schema.tables
 WHERE table_schema NOT IN ('pg_catalog', 'information_schema', 'sparkify_redshift');

-- svv_columns with every column of Redshift's (redshift_connector's get_columns reads domain_name …).
DROP VIEW IF EXISTS sparkify_redshift.svv_columns;
CREATE VIEW sparkify_redshift.svv_columns AS
SELECT table_catalog::text, table_schema::text, table_name::text, column_name::text,
       ordinal_position::integer, column_default::text, is_nullable::text, data_type::text,
       character_maximum_length::integer, numeric_precision::integer,
       numeric_precision_radix::integer, numeric_scale::integer, datetime_precision::integer,
       interval_type::text, interval_precision::text, character_set_catalog::text,
       character_set_schema::text, character_set_name::text, collation_catalog::text,
       collation_schema::text, collation_name::text, domain_name::text,
       NULL::text AS remarks
  FROM information_schema.columns
 WHERE table_schema NOT IN ('pg_catalog', 'information_schema', 'sparkify_redshift');

CREATE OR REPLACE VIEW sparkify_redshift.stv_recents AS
SELECT usesysid::integer AS userid,
       CASE WHEN state = 'active' THEN 'Running' ELSE 'Done' END::character(20) AS status,
       query_start::timestamp AS starttime,
       (extract(epoch FROM now() - query_start) * 1000000)::bigint AS duration,
       rpad(usename::text, 50)::character(50) AS user_name,
       rpad(datname::text, 50)::character(50) AS db_name,
       query::character(600) AS query,
       pid
  FROM pg_stat_activity
 WHERE backend_type = 'client backend';

GRANT SELECT ON sparkify_redshift.svv_tables, sparkify_redshift.svv_columns, sparkify_redshift.stv_recents
   TO PUBLIC;

-- stl_query: in history.sql, with the statements the endpoint and the scripts ran.

-- The session's last COPY and UNLOAD (set by the emulators; 0 / -1 before any, as on Redshift).
CREATE OR REPLACE FUNCTION sparkify_redshift.pg_last_copy_count() RETURNS bigint
LANGUAGE sql STABLE AS $$ SELECT coalesce(nullif(current_setting('redshift.last_copy_count', true), ''), '0')::bigint $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.pg_last_copy_id() RETURNS integer
LANGUAGE sql STABLE AS $$ SELECT coalesce(nullif(current_setting('redshift.last_copy_id', true), ''), '-1')::integer $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.pg_last_unload_count() RETURNS bigint
LANGUAGE sql STABLE AS $$ SELECT coalesce(nullif(current_setting('redshift.last_unload_count', true), ''), '0')::bigint $$;

-- The schemas a client sees on its path: the shim schema stays out of sight, as in SHOW search_path.
CREATE OR REPLACE FUNCTION sparkify_redshift.current_schemas(include_implicit boolean) RETURNS name[]
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN include_implicit THEN shown ELSE array_remove(shown, 'pg_catalog'::name) END
    FROM (SELECT array_remove(pg_catalog.current_schemas(include_implicit), 'sparkify_redshift'::name) AS shown)
         AS schemas $$;

-- The leader node's views run their queries serially: a catalog query reads a few rows, and starting a
-- parallel worker costs more than the whole query (the planner, misled by a view's estimates, would start
-- two).  A view that calls this PARALLEL UNSAFE function makes every query that reads it serial; being
-- IMMUTABLE, the call is folded to true when the query is planned and costs nothing per row.
CREATE OR REPLACE FUNCTION sparkify_redshift.serially() RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL UNSAFE AS $$ SELECT true $$;

-- Redshift's own columns of pg_class, pg_attribute and pg_attrdef, which PostgreSQL's catalog cannot take:
-- a leader-node query that names one reads these views instead (sparkify/engine/sql/redshift/leader.py).  Each joins
-- the recorded layout on its primary key, so a query that does not read the added column skips the join.
-- A materialized view is a view to a cluster's pg_class (relkind 'v'; sparkify/engine/sql/redshift/matviews.sql):
-- the view lists pg_class's columns by name to show it so (a DO block: they are the server version's).
DO $leader$ DECLARE listed text; BEGIN
    SELECT string_agg(CASE a.attname WHEN 'relkind' THEN $k$CASE c.relkind WHEN 'm' THEN 'v'::"char" ELSE c.relkind END AS relkind$k$
                                     ELSE 'c.' || quote_ident(a.attname) END, ', ' ORDER BY a.attnum)
      INTO listed
      FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = 'pg_catalog.pg_class'::regclass AND a.attnum > 0 AND NOT a.attisdropped;
    EXECUTE format($view$
        CREATE OR REPLACE VIEW sparkify_redshift.leader_pg_class AS
        SELECT %s,
               CASE WHEN c.relkind NOT IN ('r', 'p') THEN 0
                    ELSE CASE s.diststyle WHEN 'even' THEN 0 WHEN 'key' THEN 1 WHEN 'all' THEN 8 ELSE 10 END
               END::integer AS reldiststyle,
               false AS relhasoids  -- PostgreSQL 8.0's column, which Redshift keeps (no table has oids)
          FROM pg_catalog.pg_class c
          LEFT JOIN sparkify_redshift.table_style s ON s.table_oid = c.oid $view$, listed);
END $leader$;

-- pg_proc with PostgreSQL 8.0's proisagg and proiswindow, which Redshift keeps (prokind came with 11).
CREATE OR REPLACE VIEW sparkify_redshift.leader_pg_proc AS
SELECT p.*, p.prokind = 'a' AS proisagg, p.prokind = 'w' AS proiswindow FROM pg_catalog.pg_proc p;

-- attencodingtype numbers the encodings in this order; format_encoding names them back.
CREATE OR REPLACE FUNCTION sparkify_redshift.encoding_names() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ARRAY['none', 'raw', 'az64', 'bytedict', 'delta', 'delta32k', 'lzo', 'mostly8', 'mostly16',
                 'mostly32', 'runlength', 'text255', 'text32k', 'zstd'] $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.format_encoding(encoding integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT (sparkify_redshift.encoding_names())[encoding + 1] $$;

-- Every column of this server's pg_attribute but attmissingval (of pseudo-type anyarray, which a view
-- cannot hold), then Redshift's three; none of a late-binding view, whose columns a cluster gives in
-- pg_get_late_binding_view_cols() alone.
DO $leader$ BEGIN
EXECUTE format($view$
CREATE OR REPLACE VIEW sparkify_redshift.leader_pg_attribute AS
SELECT %s,
       coalesce(l.distkey, false) AS attisdistkey,
       coalesce(l.sortkey, 0) AS attsortkeyord,
       CASE WHEN l.table_oid IS NULL THEN 0
            ELSE coalesce(array_position(sparkify_redshift.encoding_names(),
                                         coalesce(l.encoding, sparkify_redshift.default_encoding(a.atttypid, l.sortkey))) - 1, 0)
       END::integer AS attencodingtype
  FROM pg_catalog.pg_attribute a
  LEFT JOIN sparkify_redshift.table_layout l ON l.table_oid = a.attrelid AND l.column_name = a.attname
 WHERE NOT EXISTS (SELECT FROM sparkify_redshift.late_binding_views v WHERE v.view_oid = a.attrelid)
$view$, (SELECT string_agg(CASE attname WHEN 'attnotnull'
                                     THEN '(a.attnotnull AND NOT coalesce(l.nullable_identity, false)) AS attnotnull'
                                     ELSE format('a.%I', attname) END, ', ' ORDER BY attnum)
           FROM pg_catalog.pg_attribute
          WHERE attrelid = 'pg_catalog.pg_attribute'::regclass AND attnum > 0 AND attname <> 'attmissingval'));
END $leader$;

-- A cluster keeps an IDENTITY column's seed and step as its default, "identity"(table, column index,
-- 'seed,step'::text) (sqlalchemy-redshift reflects IDENTITY(seed, step) from it); here an identity column
-- has no default but a sequence.  adbin is the expression's text, which the shim's pg_get_expr(text, …)
-- returns as it is: a made-up row has no node tree to give.
DROP VIEW IF EXISTS sparkify_redshift.leader_pg_attrdef;
CREATE VIEW sparkify_redshift.leader_pg_attrdef AS
SELECT d.oid, d.adrelid, d.adnum, pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS adbin,
       pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS adsrc
  FROM pg_catalog.pg_attrdef d
 WHERE sparkify_redshift.serially()
UNION ALL
SELECT 0::oid, a.attrelid, a.attnum, i.expression, i.expression
  FROM pg_catalog.pg_attribute a
  JOIN pg_catalog.pg_depend dep ON dep.refclassid = 'pg_catalog.pg_class'::regclass AND dep.refobjid = a.attrelid
                               AND dep.refobjsubid = a.attnum AND dep.deptype = 'i'
                               AND dep.classid = 'pg_catalog.pg_class'::regclass
  JOIN pg_catalog.pg_sequence s ON s.seqrelid = dep.objid
 CROSS JOIN LATERAL (SELECT format('"identity"(%s, %s, %L::text)', a.attrelid, a.attnum - 1,
                                  s.seqstart || ',' || s.seqincrement) AS expression) AS i
 WHERE a.attidentity <> '';

CREATE OR REPLACE FUNCTION sparkify_redshift.pg_get_expr(expression text, relation oid) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT expression $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.pg_get_expr(expression text, relation oid, pretty boolean)
RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT expression $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.pg_get_expr(expression pg_node_tree, relation oid) RETURNS text
LANGUAGE sql STABLE AS $$ SELECT pg_catalog.pg_get_expr(expression, relation) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.pg_get_expr(expression pg_node_tree, relation oid, pretty boolean)
RETURNS text LANGUAGE sql STABLE AS $$ SELECT pg_catalog.pg_get_expr(expression, relation, pretty) $$;

-- A SUPER column is held as json, the only json there is (Redshift has no JSON type): its type is named
-- super wherever a catalog query names a type.
CREATE OR REPLACE FUNCTION sparkify_redshift.format_type(type_oid oid, typemod integer) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN type_oid = 'json'::regtype THEN 'super' ELSE pg_catalog.format_type(type_oid, typemod) END $$;

-- The schemas a catalog query sees: the shim schema stays out of sight, as in SHOW SCHEMAS.
CREATE OR REPLACE VIEW sparkify_redshift.leader_pg_namespace AS
SELECT * FROM pg_catalog.pg_namespace WHERE nspname <> 'sparkify_redshift';
GRANT SELECT ON sparkify_redshift.leader_pg_namespace TO PUBLIC;

-- information_schema.columns as a cluster's: a SUPER column's type is super (json here), and a late-binding
-- view's columns are not there (pg_get_late_binding_view_cols gives them).
CREATE OR REPLACE VIEW sparkify_redshift.leader_columns AS
SELECT c.*
  FROM information_schema.columns c
 WHERE c.data_type <> 'json' AND NOT sparkify_redshift.is_late_binding_view(c.table_schema, c.table_name)
   AND sparkify_redshift.serially()
UNION ALL
SELECT r.*
  FROM information_schema.columns c
 CROSS JOIN LATERAL jsonb_populate_record(c, '{"data_type": "super", "udt_name": "super"}') AS r
 WHERE c.data_type = 'json' AND NOT sparkify_redshift.is_late_binding_view(c.table_schema, c.table_name);
GRANT SELECT ON sparkify_redshift.leader_columns TO PUBLIC;

-- Redshift Spectrum's catalog: the local engine has no external schemas, so these are empty.
CREATE OR REPLACE VIEW sparkify_redshift.svv_external_schemas AS
SELECT NULL::oid AS esoid, NULL::integer AS eskind, NULL::name AS schemaname, NULL::integer AS esowner,
       NULL::text AS databasename, NULL::text AS esoptions
 WHERE false;
CREATE OR REPLACE VIEW sparkify_redshift.svv_external_tables AS
SELECT NULL::text AS redshift_database_name, NULL::text AS schemaname, NULL::text AS tablename,
       NULL::text AS tabletype, NULL::text AS location, NULL::text AS input_format,
       NULL::text AS output_format, NULL::text AS serialization_lib, NULL::text AS serde_parameters,
       NULL::integer AS compressed, NULL::text AS parameters
 WHERE false;
CREATE OR REPLACE VIEW sparkify_redshift.svv_external_columns AS
SELECT NULL::text AS redshift_database_name, NULL::text AS schemaname, NULL::text AS tablename,
       NULL::text AS columnname, NULL::text AS external_type, NULL::integer AS columnnum,
       NULL::integer AS part_key, NULL::text AS is_nullable
 WHERE false;
GRANT SELECT ON sparkify_redshift.leader_pg_class, sparkify_redshift.leader_pg_proc, sparkify_redshift.leader_pg_attribute,
                sparkify_redshift.leader_pg_attrdef, sparkify_redshift.svv_external_schemas,
                sparkify_redshift.svv_external_tables, sparkify_redshift.svv_external_columns
   TO PUBLIC;

-- Keys and indexes as a cluster shows them: the recorded keys (informational, never enforced)
-- join PostgreSQL's constraints, and the sort key's BRIN index (the emulation's, not the client's; a cluster
-- has none) leaves pg_index and pg_indexes, where tools would take it for the table's key.
CREATE OR REPLACE VIEW sparkify_redshift.sortkey_indexes AS
SELECT i.indexrelid, ic.relname AS indexname, ic.relnamespace
  FROM pg_catalog.pg_index i
  JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_catalog.pg_class t ON t.oid = i.indrelid
  JOIN pg_catalog.pg_am am ON am.oid = ic.relam
 WHERE am.amname = 'brin' AND ic.relname = left(t.relname, 50) || '_sortkey_brin';

CREATE OR REPLACE VIEW sparkify_redshift.key_columns AS
SELECT k.constraint_oid, k.table_oid, k.constraint_name, k.contype, n.nspname AS schema_name,
       c.relname AS table_name, a.attname AS column_name, p.ord::integer AS ordinal_position
  FROM sparkify_redshift.table_keys k
  JOIN pg_catalog.pg_class c ON c.oid = k.table_oid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 CROSS JOIN LATERAL unnest(k.columns) WITH ORDINALITY AS p(attnum, ord)
  JOIN pg_catalog.pg_attribute a ON a.attrelid = k.table_oid AND a.attnum = p.attnum
 WHERE has_table_privilege(c.oid, 'SELECT');

-- A foreign key's referenced table and columns, one row per column.
CREATE OR REPLACE VIEW sparkify_redshift.referenced_columns AS
SELECT k.constraint_oid, n.nspname AS schema_name, c.relname AS table_name, a.attname AS column_name,
       p.ord::integer AS ordinal_position, c.oid AS table_oid
  FROM sparkify_redshift.table_keys k
  JOIN pg_catalog.pg_class c ON c.oid = k.referenced_table
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 CROSS JOIN LATERAL unnest(k.referenced_columns) WITH ORDINALITY AS p(attnum, ord)
  JOIN pg_catalog.pg_attribute a ON a.attrelid = k.referenced_table AND a.attnum = p.attnum
 WHERE k.contype = 'f' AND has_table_privilege(c.oid, 'SELECT');

DROP VIEW IF EXISTS sparkify_redshift.key_definitions CASCADE;
CREATE VIEW sparkify_redshift.key_definitions AS
SELECT constraint_oid, table_oid, constraint_name, contype, schema_name, table_name,
       string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position) AS column_list,
       (SELECT CASE WHEN pg_table_is_visible(min(r.table_oid)) THEN '' ELSE quote_ident(min(r.schema_name)) || '.' END
               || quote_ident(min(r.table_name))
               || '(' || string_agg(quote_ident(r.column_name), ', ' ORDER BY r.ordinal_position) || ')'
          FROM sparkify_redshift.referenced_columns r WHERE r.constraint_oid = k.constraint_oid) AS referenced
  FROM sparkify_redshift.key_columns k
 GROUP BY constraint_oid, table_oid, constraint_name, contype, schema_name, table_name;

-- The sort key's index asked of the index's own row (its class and its table's), not of sortkey_indexes'
-- join of the whole catalog: a reflection query that reads pg_index twice plans in a third of the time.
CREATE OR REPLACE VIEW sparkify_redshift.leader_pg_index AS
SELECT * FROM pg_catalog.pg_index i
 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_class ic, pg_catalog.pg_class t
                    WHERE ic.oid = i.indexrelid AND t.oid = i.indrelid
                      AND ic.relam = (SELECT am.oid FROM pg_catalog.pg_am am WHERE am.amname = 'brin')
                      AND ic.relname = left(t.relname, 50) || '_sortkey_brin')
   AND sparkify_redshift.serially();

CREATE OR REPLACE VIEW sparkify_redshift.leader_pg_indexes AS
SELECT x.* FROM pg_catalog.pg_indexes x
 WHERE NOT EXISTS (SELECT FROM sparkify_redshift.sortkey_indexes s
                    JOIN pg_catalog.pg_namespace n ON n.oid = s.relnamespace
                   WHERE s.indexname = x.indexname AND n.nspname = x.schemaname)
   AND sparkify_redshift.serially()
UNION ALL
SELECT d.schema_name, d.table_name, d.constraint_name, NULL::name,
       format('CREATE UNIQUE INDEX %I ON %I.%I USING btree (%s)', d.constraint_name, d.schema_name,
              d.table_name, d.column_list)
  FROM sparkify_redshift.key_definitions d
 WHERE d.contype = 'p';  -- tools read the first index of a table as its primary key

-- PostgreSQL 18 lists each NOT NULL as a constraint (contype 'n'); a cluster's pg_constraint does not.
-- The recorded keys' rows give each of this server's pg_constraint columns (a DO block: they are the
-- version's) as a plain expression of table_keys, so that a client's filter (conrelid = …, contype = …)
-- reaches table_keys' index; the columns a key has no value for are NULL.
DO $leader$ DECLARE listed text; BEGIN
    SELECT string_agg(format('(%s)::%s AS %I', coalesce(k.expression, 'NULL'),
                             pg_catalog.format_type(a.atttypid, a.atttypmod), a.attname), ', ' ORDER BY a.attnum)
      INTO listed
      FROM pg_catalog.pg_attribute a
      LEFT JOIN (VALUES ('oid', 'k.constraint_oid'), ('conname', 'k.constraint_name'),
                        ('connamespace', 'c.relnamespace'), ('contype', 'k.contype'),
                        ('condeferrable', 'false'), ('condeferred', 'false'), ('convalidated', 'true'),
                        ('conrelid', 'k.table_oid'), ('contypid', '0'), ('conindid', '0'), ('conparentid', '0'),
                        ('confrelid', $e$CASE WHEN k.contype = 'f' THEN k.referenced_table ELSE 0 END$e$),
                        ('conislocal', 'true'), ('coninhcount', '0'), ('connoinherit', 'true'),
                        ('conenforced', 'false'), ('conperiod', 'false'), ('conkey', 'k.columns'),
                        ('confkey', $e$CASE WHEN k.contype = 'f' THEN k.referenced_columns END$e$),
                        ('confupdtype', $e$CASE WHEN k.contype = 'f' THEN 'a' ELSE ' ' END$e$),
                        ('confdeltype', $e$CASE WHEN k.contype = 'f' THEN 'a' ELSE ' ' END$e$),
                        ('confmatchtype', $e$CASE WHEN k.contype = 'f' THEN 's' ELSE ' ' END$e$))
                AS k(name, expression) ON k.name = a.attname
     WHERE a.attrelid = 'pg_catalog.pg_constraint'::regclass AND a.attnum > 0 AND NOT a.attisdropped;
    EXECUTE format($view$
        CREATE OR REPLACE VIEW sparkify_redshift.leader_pg_constraint AS
        SELECT * FROM pg_catalog.pg_constraint WHERE contype <> 'n' AND sparkify_redshift.serially()
        UNION ALL
        SELECT %s
          FROM sparkify_redshift.table_keys k
          JOIN pg_catalog.pg_class c ON c.oid = k.table_oid $view$, listed);
END $leader$;

-- The columns that name a constraint and its table in information_schema's views.
CREATE OR REPLACE FUNCTION sparkify_redshift.constraint_identity(schema_name name, constraint_name name,
                                                                 table_name name)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('constraint_catalog', current_database(), 'constraint_schema', schema_name,
                              'constraint_name', constraint_name, 'table_catalog', current_database(),
                              'table_schema', schema_name, 'table_name', table_name) $$;

CREATE OR REPLACE VIEW sparkify_redshift.leader_table_constraints AS
SELECT * FROM information_schema.table_constraints WHERE sparkify_redshift.serially()
UNION ALL
SELECT r.*
  FROM sparkify_redshift.key_definitions d
 CROSS JOIN LATERAL jsonb_populate_record(NULL::information_schema.table_constraints,
       sparkify_redshift.constraint_identity(d.schema_name, d.constraint_name, d.table_name)
       || jsonb_build_object('constraint_type', CASE d.contype WHEN 'p' THEN 'PRIMARY KEY'
                                                               WHEN 'f' THEN 'FOREIGN KEY' ELSE 'UNIQUE' END,
                             'is_deferrable', 'NO',
                             'initially_deferred', 'NO', 'enforced', 'NO')) AS r;

CREATE OR REPLACE VIEW sparkify_redshift.leader_key_column_usage AS
SELECT * FROM information_schema.key_column_usage WHERE sparkify_redshift.serially()
UNION ALL
SELECT r.*
  FROM sparkify_redshift.key_columns k
 CROSS JOIN LATERAL jsonb_populate_record(NULL::information_schema.key_column_usage,
       sparkify_redshift.constraint_identity(k.schema_name, k.constraint_name, k.table_name)
       || jsonb_build_object('column_name', k.column_name, 'ordinal_position', k.ordinal_position,
                             'position_in_unique_constraint',
                             CASE WHEN k.contype = 'f' THEN k.ordinal_position END)) AS r;

-- A foreign key's unique constraint: the referenced table's key on the referenced columns, if recorded.
CREATE OR REPLACE VIEW sparkify_redshift.referenced_keys AS
SELECT f.constraint_oid, u.constraint_name AS unique_name, n.nspname AS unique_schema
  FROM sparkify_redshift.table_keys f
  JOIN sparkify_redshift.table_keys u ON u.table_oid = f.referenced_table AND u.contype IN ('p', 'u')
                                     AND u.columns = f.referenced_columns
  JOIN pg_catalog.pg_class c ON c.oid = u.table_oid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE f.contype = 'f';

CREATE OR REPLACE VIEW sparkify_redshift.leader_referential_constraints AS
SELECT * FROM information_schema.referential_constraints WHERE sparkify_redshift.serially()
UNION ALL
SELECT r.*
  FROM sparkify_redshift.key_definitions d
  LEFT JOIN sparkify_redshift.referenced_keys u ON u.constraint_oid = d.constraint_oid
 CROSS JOIN LATERAL jsonb_populate_record(NULL::information_schema.referential_constraints, jsonb_build_object(
       'constraint_catalog', current_database(), 'constraint_schema', d.schema_name,
       'constraint_name', d.constraint_name, 'unique_constraint_catalog', current_database(),
       'unique_constraint_schema', u.unique_schema, 'unique_constraint_name', u.unique_name,
       'match_option', 'NONE', 'update_rule', 'NO ACTION', 'delete_rule', 'NO ACTION')) AS r
 WHERE d.contype = 'f';

-- The referenced columns of each foreign key, and the columns of each primary and unique key.
CREATE OR REPLACE VIEW sparkify_redshift.leader_constraint_column_usage AS
SELECT * FROM information_schema.constraint_column_usage WHERE sparkify_redshift.serially()
UNION ALL
SELECT r.*
  FROM (SELECT k.schema_name, k.table_name, k.column_name, k.constraint_name, k.schema_name AS constraint_schema
          FROM sparkify_redshift.key_columns k WHERE k.contype <> 'f'
        UNION ALL
        SELECT c.schema_name, c.table_name, c.column_name, k.constraint_name, n.nspname
          FROM sparkify_redshift.referenced_columns c
          JOIN sparkify_redshift.table_keys k ON k.constraint_oid = c.constraint_oid
          JOIN pg_catalog.pg_class t ON t.oid = k.table_oid
          JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace) AS u
 CROSS JOIN LATERAL jsonb_populate_record(NULL::information_schema.constraint_column_usage, jsonb_build_object(
       'table_catalog', current_database(), 'table_schema', u.schema_name, 'table_name', u.table_name,
       'column_name', u.column_name, 'constraint_catalog', current_database(),
       'constraint_schema', u.constraint_schema, 'constraint_name', u.constraint_name)) AS r;

-- pg_get_constraintdef of a recorded key (sqlalchemy-redshift parses it), PostgreSQL's for the others.  A
-- function in PL/pgSQL, reading the key's row and its columns directly: key_definitions' plan (a grouped
-- view with a sub-query per row) cost milliseconds for each call, and a catalog query calls it for each
-- constraint it lists (SQLAlchemy's reflection of domains calls it for each domain's check).  A key of a
-- table the user may not read, or whose columns are gone, has no definition here: PostgreSQL's is asked.
CREATE OR REPLACE FUNCTION sparkify_redshift.pg_get_constraintdef(constraint_oid oid, pretty boolean)
RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE
    recorded sparkify_redshift.table_keys;
    column_list text;
    referenced text;
BEGIN
    SELECT k.* INTO recorded FROM sparkify_redshift.table_keys k WHERE k.constraint_oid = $1
       AND has_table_privilege(k.table_oid, 'SELECT');
    IF FOUND THEN
        SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY p.ord) INTO column_list
          FROM unnest(recorded.columns) WITH ORDINALITY AS p(attnum, ord)
          JOIN pg_catalog.pg_attribute a ON a.attrelid = recorded.table_oid AND a.attnum = p.attnum;
    END IF;
    IF column_list IS NULL THEN
        RETURN pg_catalog.pg_get_constraintdef($1, $2);
    END IF;
    IF recorded.contype <> 'f' THEN
        RETURN CASE recorded.contype WHEN 'p' THEN 'PRIMARY KEY (' ELSE 'UNIQUE (' END || column_list || ')';
    END IF;
    SELECT CASE WHEN pg_table_is_visible(c.oid) THEN '' ELSE quote_ident(n.nspname) || '.' END
           || quote_ident(c.relname) || '(' || string_agg(quote_ident(a.attname), ', ' ORDER BY p.ord) || ')'
      INTO referenced
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     CROSS JOIN LATERAL unnest(recorded.referenced_columns) WITH ORDINALITY AS p(attnum, ord)
      JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = p.attnum
     WHERE c.oid = recorded.referenced_table AND has_table_privilege(c.oid, 'SELECT')
     GROUP BY c.oid, n.nspname, c.relname;
    RETURN coalesce('FOREIGN KEY (' || column_list || ') REFERENCES ' || referenced,
                    pg_catalog.pg_get_constraintdef($1, $2));
END $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.pg_get_constraintdef(constraint_oid oid) RETURNS text
LANGUAGE sql STABLE AS $$ SELECT sparkify_redshift.pg_get_constraintdef($1, false) $$;

GRANT SELECT ON sparkify_redshift.table_keys, sparkify_redshift.sortkey_indexes, sparkify_redshift.key_columns,
                sparkify_redshift.key_definitions, sparkify_redshift.leader_pg_index,
                sparkify_redshift.leader_pg_indexes, sparkify_redshift.leader_pg_constraint,
                sparkify_redshift.leader_table_constraints, sparkify_redshift.leader_key_column_usage,
                sparkify_redshift.referenced_columns, sparkify_redshift.referenced_keys,
                sparkify_redshift.leader_referential_constraints, sparkify_redshift.leader_constraint_column_usage
   TO PUBLIC;

-- Redshift's pg_proc_info (in its pg_catalog): pg_proc with the function's oid as a column, prooid.
CREATE OR REPLACE VIEW sparkify_redshift.pg_proc_info AS SELECT p.oid AS prooid, p.* FROM pg_catalog.pg_proc p;
GRANT SELECT ON sparkify_redshift.pg_proc_info TO PUBLIC;

-- svv_all_schemas, svv_all_tables and svv_all_columns (and their svv_redshift_* twins), as Redshift's drivers
-- read them: redshift_connector's insert_data_bulk and write_dataframe check the table and its columns there.
-- Every database's rows, the others' read there by database_rows (crossdb.sql); a filter on database_name
-- reaches pg_database first, so a query about one database opens no link to the others.
CREATE OR REPLACE VIEW sparkify_redshift.svv_all_schemas AS
SELECT current_database()::varchar(128) AS database_name, n.nspname::varchar(128) AS schema_name,
       n.nspowner::integer AS schema_owner, 'local'::varchar(128) AS schema_type,
       array_to_string(n.nspacl, ',')::varchar(128) AS schema_acl, NULL::varchar(128) AS source_database,
       NULL::varchar(128) AS schema_option
  FROM pg_catalog.pg_namespace n
 WHERE n.nspname NOT IN ('pg_toast', 'sparkify_redshift') AND n.nspname NOT LIKE E'pg\\_temp\\_%'
   AND n.nspname NOT LIKE E'pg\\_toast\\_temp\\_%'
UNION ALL
SELECT d.datname::varchar(128), r.* FROM pg_catalog.pg_database d, sparkify_redshift.database_rows(d.datname,
       'SELECT schema_name, schema_owner, schema_type, schema_acl, source_database, schema_option '
       'FROM sparkify_redshift.svv_all_schemas WHERE database_name = current_database()',
       current_setting('search_path')) j,
       jsonb_to_record(j) AS r(schema_name varchar(128), schema_owner integer, schema_type varchar(128),
                               schema_acl varchar(128), source_database varchar(128), schema_option varchar(128))
 WHERE d.datname <> current_database() AND d.datname <> 'postgres' AND NOT d.datistemplate;
CREATE OR REPLACE VIEW sparkify_redshift.svv_all_tables AS
SELECT current_database()::varchar(128) AS database_name, n.nspname::varchar(128) AS schema_name,
       c.relname::varchar(128) AS table_name,
       CASE WHEN c.relkind IN ('v', 'm') THEN 'VIEW' ELSE 'TABLE' END::varchar(128) AS table_type,
       array_to_string(c.relacl, ',')::varchar(128) AS table_acl,
       obj_description(c.oid, 'pg_class')::varchar(128) AS remarks
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname <> 'sparkify_redshift'
   AND has_table_privilege(c.oid, 'SELECT')
UNION ALL
SELECT d.datname::varchar(128), r.* FROM pg_catalog.pg_database d, sparkify_redshift.database_rows(d.datname,
       'SELECT schema_name, table_name, table_type, table_acl, remarks '
       'FROM sparkify_redshift.svv_all_tables WHERE database_name = current_database()',
       current_setting('search_path')) j,
       jsonb_to_record(j) AS r(schema_name varchar(128), table_name varchar(128), table_type varchar(128),
                               table_acl varchar(128), remarks varchar(128))
 WHERE d.datname <> current_database() AND d.datname <> 'postgres' AND NOT d.datistemplate;
CREATE OR REPLACE VIEW sparkify_redshift.svv_all_columns AS
SELECT current_database()::varchar(128) AS database_name, table_schema::varchar(128) AS schema_name,
       table_name::varchar(128), column_name::varchar(128), ordinal_position::integer,
       column_default::varchar(4000), is_nullable::varchar(3), data_type::varchar(128),
       character_maximum_length::integer, numeric_precision::integer, numeric_scale::integer,
       NULL::varchar(128) AS remarks
  FROM information_schema.columns
 WHERE table_schema <> 'sparkify_redshift'
 UNION ALL  -- a materialized view's columns, which PostgreSQL's information_schema leaves out
SELECT current_database()::varchar(128), n.nspname::varchar(128), c.relname::varchar(128),
       a.attname::varchar(128), a.attnum::integer, NULL::varchar(4000),
       (CASE WHEN a.attnotnull THEN 'NO' ELSE 'YES' END)::varchar(3), format_type(a.atttypid, NULL)::varchar(128),
       information_schema._pg_char_max_length(a.atttypid, a.atttypmod)::integer,
       information_schema._pg_numeric_precision(a.atttypid, a.atttypmod)::integer,
       information_schema._pg_numeric_scale(a.atttypid, a.atttypmod)::integer, NULL::varchar(128)
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE c.relkind = 'm' AND has_table_privilege(c.oid, 'SELECT')

UNION ALL
SELECT d.datname::varchar(128), r.* FROM pg_catalog.pg_database d, sparkify_redshift.database_rows(d.datname,
       'SELECT schema_name, table_name, column_name, ordinal_position, column_default, is_nullable, data_type, '
       'character_maximum_length, numeric_precision, numeric_scale, remarks '
       'FROM sparkify_redshift.svv_all_columns WHERE database_name = current_database()',
       current_setting('search_path')) j,
       jsonb_to_record(j) AS r(schema_name varchar(128), table_name varchar(128), column_name varchar(128),
                               ordinal_position integer, column_default varchar(4000), is_nullable varchar(3),
                               data_type varchar(128), character_maximum_length integer,
                               numeric_precision integer, numeric_scale integer, remarks varchar(128))
 WHERE d.datname <> current_database() AND d.datname <> 'postgres' AND NOT d.datistemplate;
CREATE OR REPLACE VIEW sparkify_redshift.svv_redshift_schemas AS
SELECT database_name, schema_name, schema_owner, schema_type FROM sparkify_redshift.svv_all_schemas;
CREATE OR REPLACE VIEW sparkify_redshift.svv_redshift_tables AS SELECT * FROM sparkify_redshift.svv_all_tables;
CREATE OR REPLACE VIEW sparkify_redshift.svv_redshift_columns AS SELECT * FROM sparkify_redshift.svv_all_columns;
GRANT SELECT ON sparkify_redshift.svv_all_schemas, sparkify_redshift.svv_all_tables,
                sparkify_redshift.svv_all_columns, sparkify_redshift.svv_redshift_schemas,
                sparkify_redshift.svv_redshift_tables, sparkify_redshift.svv_redshift_columns
   TO PUBLIC;

-- stl_connection_log: the endpoint writes a row as each client is let in, with what its driver told of itself
-- (application_name, os_version, driver_version, plugin_name, client_protocol_version).
CREATE TABLE IF NOT EXISTS sparkify_redshift.stl_connection_log (
    event            character(50),
    recordtime       timestamp DEFAULT (now() AT TIME ZONE 'UTC'),
    remotehost       character(45),
    remoteport       character(32),
    pid              integer DEFAULT pg_backend_pid(),
    dbname           character(50) DEFAULT left(current_database(), 50),
    username         character(50) DEFAULT left(current_user, 50),
    authmethod       character(32),
    duration         integer DEFAULT 0,
    sslversion       character(50),
    sslcipher        character(128),
    mtu              integer DEFAULT 0,
    sslcompression   character(64),
    sslexpansion     character(64),
    iamauthguid      character(36),
    application_name character(250),
    os_version       character(64),
    driver_version   character(64),
    plugin_name      character(32),
    protocol_version integer,
    sessionid        character(36),
    compression      character(128)
);
-- A database or user name longer than the column (Redshift's go to 127) is kept cut, as a cluster keeps it;
-- uncut, the login that records it would fail.
ALTER TABLE sparkify_redshift.stl_connection_log ALTER COLUMN dbname SET DEFAULT left(current_database(), 50),
                                                ALTER COLUMN username SET DEFAULT left(current_user, 50);
GRANT SELECT, INSERT ON sparkify_redshift.stl_connection_log TO PUBLIC;
-- stl_undone: no transaction is ever undone by a later one here.
CREATE OR REPLACE VIEW sparkify_redshift.stl_undone AS
SELECT NULL::integer AS userid, NULL::bigint AS xact_id, NULL::bigint AS xact_id_undone,
       NULL::timestamp AS undo_start_ts, NULL::timestamp AS undo_end_ts, NULL::bigint AS table_id
 WHERE false;
GRANT SELECT ON sparkify_redshift.stl_undone TO PUBLIC;

-- A view's definition as a cluster prints it (sparkify/engine/sql/redshift/views.py), recorded by the
-- adapter's CREATE VIEW; pg_get_viewdef gives it, and PostgreSQL's text for a view with none recorded.
CREATE TABLE IF NOT EXISTS sparkify_redshift.view_texts (
    view_oid   oid PRIMARY KEY,
    definition text NOT NULL
);
GRANT SELECT ON sparkify_redshift.view_texts TO PUBLIC;
CREATE OR REPLACE FUNCTION sparkify_redshift.record_view_text(target regclass, definition text) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    DELETE FROM sparkify_redshift.view_texts v WHERE NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = v.view_oid);
    INSERT INTO sparkify_redshift.view_texts VALUES (target, definition)
        ON CONFLICT (view_oid) DO UPDATE SET definition = excluded.definition $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.pg_get_viewdef(target oid, pretty boolean) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT v.definition FROM sparkify_redshift.view_texts v
                       JOIN pg_catalog.pg_class c ON c.oid = v.view_oid AND c.relkind = 'v'
                      WHERE v.view_oid = target),
                    pg_catalog.pg_get_viewdef(target, pretty)) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.pg_get_viewdef(target oid) RETURNS text
LANGUAGE sql STABLE AS $$ SELECT sparkify_redshift.pg_get_viewdef(target, false) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.pg_get_viewdef(view_name text, pretty boolean) RETURNS text
LANGUAGE sql STABLE AS $$ SELECT sparkify_redshift.pg_get_viewdef(view_name::regclass::oid, pretty) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.pg_get_viewdef(view_name text) RETURNS text
LANGUAGE sql STABLE AS $$ SELECT sparkify_redshift.pg_get_viewdef(view_name::regclass::oid, false) $$;

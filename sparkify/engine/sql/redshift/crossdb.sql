-- Another database's catalog, as a cluster answers it from any database (SHOW SCHEMAS FROM DATABASE x,
-- SHOW TABLES FROM SCHEMA x.s, the svv_all_* views): a PostgreSQL session sees its own database only, so the
-- rows are read on a side connection to database x, signed in as the session's own role (trusted on the
-- server's unix socket, as every client's backend is), which sees there exactly what that role would see
-- connected to x itself, and which it could ask anything it could ask there.  Nothing for a database the
-- role may not CONNECT to, for a template, or for the session's own database (the caller reads that here).
-- dblink is PostgreSQL's contrib module; its functions are the owner's alone (connecting without a password
-- takes a superuser), so only this function opens a link.  A link lives for one call: an open one would keep
-- database x busy, and DROP DATABASE x would fail.
-- Only a superuser may install dblink: on another PostgreSQL whose role is none, there is no link, and another
-- database lists nothing.
DO $dblink$ BEGIN
    IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
        CREATE EXTENSION IF NOT EXISTS dblink SCHEMA sparkify_redshift;
    END IF;
END $dblink$;
DO $revoke$
DECLARE
    routine regprocedure;
BEGIN
    FOR routine IN SELECT d.objid::regprocedure FROM pg_catalog.pg_depend d
                    WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.deptype = 'e'
                      AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'dblink') LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', routine);
    END LOOP;
END $revoke$;

-- A value of a libpq connection string, quoted as libpq reads it.
CREATE OR REPLACE FUNCTION sparkify_redshift.conninfo_value(value text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT '''' || replace(replace(value, E'\\', E'\\\\'), '''', E'\\''') || '''' $$;

-- The rows of ``query`` run in ``database`` (as jsonb objects, one a row, in the query's order), with the
-- caller's search_path; none when ``database`` is the session's own, a template, missing, or not the
-- session's role's to connect to.
CREATE OR REPLACE FUNCTION sparkify_redshift.database_rows(database text, query text, path text)
RETURNS SETOF jsonb LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    signed_in text := session_user;
    link text;
BEGIN
    IF database IS NULL OR database = current_database()
        OR NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'dblink') OR NOT EXISTS (
            SELECT 1 FROM pg_database d WHERE d.datname = database AND d.datallowconn AND NOT d.datistemplate)
        OR NOT has_database_privilege(signed_in, database, 'CONNECT') THEN
        RETURN;
    END IF;
    link := format('dbname=%s user=%s host=%s port=%s application_name=%s',
                   sparkify_redshift.conninfo_value(database), sparkify_redshift.conninfo_value(signed_in),
                   sparkify_redshift.conninfo_value(trim(split_part(current_setting('unix_socket_directories'),
                                                                     ',', 1))),
                   current_setting('port'), sparkify_redshift.conninfo_value('sparkify cross-database catalog'));
    IF 'sparkify_catalog' = ANY (coalesce(sparkify_redshift.dblink_get_connections(), '{}')) THEN
        PERFORM sparkify_redshift.dblink_disconnect('sparkify_catalog');  -- left by a cancelled call
    END IF;
    PERFORM sparkify_redshift.dblink_connect_u('sparkify_catalog', link);
    BEGIN
        PERFORM sparkify_redshift.dblink_exec('sparkify_catalog',
                                              format('SET search_path = %s', path));
        -- A database made in PostgreSQL itself, never prepared by the emulation, has no Redshift catalog to list.
        IF NOT (SELECT t.prepared FROM sparkify_redshift.dblink('sparkify_catalog',
                    'SELECT pg_catalog.to_regnamespace(''sparkify_redshift'') IS NOT NULL') AS t(prepared boolean)) THEN
            PERFORM sparkify_redshift.dblink_disconnect('sparkify_catalog');
            RETURN;
        END IF;
        RETURN QUERY SELECT t.found FROM sparkify_redshift.dblink('sparkify_catalog',
            format('SELECT pg_catalog.to_jsonb(q) FROM (%s) q', query)) AS t(found jsonb);
    EXCEPTION WHEN OTHERS THEN
        PERFORM sparkify_redshift.dblink_disconnect('sparkify_catalog');
        RAISE;
    END;
    PERFORM sparkify_redshift.dblink_disconnect('sparkify_catalog');
END $$;
GRANT EXECUTE ON FUNCTION sparkify_redshift.database_rows(text, text, text) TO PUBLIC;

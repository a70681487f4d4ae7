-- Late-binding views (CREATE VIEW … WITH NO SCHEMA BINDING, sparkify/engine/sql/redshift/late_binding.py).
--
-- A cluster keeps no dependency between such a view and what it reads: the view can be made before its
-- tables, and a table under it can be dropped or altered (CASCADE or not) without touching the view, whose
-- query then fails until the table is back.  PostgreSQL binds every view.  So a late-binding view is held
-- in one of three states:
--   bound    an ordinary view of its query (PostgreSQL's plans, the owner's privileges on its tables);
--   unbound  the same columns, read through late_binding_rows(query), which runs the query when the view
--            is read: no dependency on any table;
--   unknown  made before its tables: one placeholder column until its tables are there.
-- An event trigger unbinds the bound ones before each DDL that could drop or change a table under them, and
-- another binds all it can after each DDL.
CREATE TABLE IF NOT EXISTS sparkify_redshift.late_binding_views (
    view_oid     oid PRIMARY KEY,
    query        text NOT NULL,
    column_names text[],
    state        text NOT NULL CHECK (state IN ('bound', 'unbound', 'unknown'))
);
GRANT SELECT ON sparkify_redshift.late_binding_views TO PUBLIC;

CREATE OR REPLACE FUNCTION sparkify_redshift.is_late_binding_view(schema_name name, view_name name)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT FROM sparkify_redshift.late_binding_views v
                     JOIN pg_catalog.pg_class c ON c.oid = v.view_oid
                     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = schema_name AND c.relname = view_name) $$;

-- The query of an unbound late-binding view, run as it is read.
CREATE OR REPLACE FUNCTION sparkify_redshift.late_binding_rows(query text) RETURNS SETOF record
LANGUAGE plpgsql AS $$ BEGIN RETURN QUERY EXECUTE query; END $$;

-- ``(name, …)`` of a view's own column names, or nothing.
CREATE OR REPLACE FUNCTION sparkify_redshift.late_binding_column_list(column_names text[]) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce('(' || (SELECT string_agg(quote_ident(c), ', ') FROM unnest(column_names) c) || ')', '') $$;

-- A view's name with its schema, whatever the search_path.
CREATE OR REPLACE FUNCTION sparkify_redshift.qualified_relation(target oid) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT format('%I.%I', n.nspname, c.relname)
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = target $$;

CREATE OR REPLACE FUNCTION sparkify_redshift.record_late_binding_view(target regclass, query text,
                                                                     column_names text[], state text)
RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    DELETE FROM sparkify_redshift.late_binding_views v
     WHERE NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = v.view_oid);
    INSERT INTO sparkify_redshift.late_binding_views VALUES (target, query, column_names, state)
        ON CONFLICT (view_oid) DO UPDATE
       SET query = excluded.query, column_names = excluded.column_names, state = excluded.state $$;

-- CREATE [OR REPLACE] VIEW name [(columns)] AS query WITH NO SCHEMA BINDING, as the calling user (who owns
-- the view): bound when its tables are there, else a placeholder.
CREATE OR REPLACE FUNCTION sparkify_redshift.create_late_binding_view(view_name text, query text,
                                                                     column_names text[], or_replace boolean)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    verb text := CASE WHEN or_replace THEN 'CREATE OR REPLACE VIEW' ELSE 'CREATE VIEW' END;
    state text := 'bound';
BEGIN
    PERFORM set_config('sparkify_redshift.late_binding_busy', 'on', true);
    BEGIN
        EXECUTE format('%s %s %s AS %s', verb, view_name,
                       sparkify_redshift.late_binding_column_list(column_names), query);
    EXCEPTION WHEN undefined_table OR undefined_column OR undefined_function THEN
        EXECUTE format('%s %s AS SELECT * FROM sparkify_redshift.late_binding_rows(%L) AS r("?column?" text)',
                       verb, view_name, query);
        state := 'unknown';
    END;
    PERFORM set_config('sparkify_redshift.late_binding_busy', 'off', true);
    PERFORM sparkify_redshift.record_late_binding_view(view_name::regclass, query, column_names, state);
END $$;

-- Before a DDL that may drop or alter what a bound late-binding view reads: each becomes unbound, with
-- the same columns (CREATE OR REPLACE VIEW keeps its oid, owner, grants and comment).
CREATE OR REPLACE FUNCTION sparkify_redshift.unbind_late_binding_views() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = sparkify_redshift, pg_catalog, public, pg_temp AS $$
DECLARE
    view record;
BEGIN
    IF current_setting('sparkify_redshift.late_binding_busy', true) = 'on'
       OR NOT EXISTS (SELECT FROM sparkify_redshift.late_binding_views WHERE state = 'bound') THEN
        RETURN;
    END IF;
    PERFORM set_config('sparkify_redshift.late_binding_busy', 'on', true);
    -- The query's columns are cast to the view's types: a table made again may differ (VARCHAR(300) where
    -- VARCHAR(200) was), and late_binding_rows must return the types the view was made with.
    FOR view IN
        SELECT v.view_oid, v.query,
               string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod), ', '
                          ORDER BY a.attnum) AS columns,
               string_agg(format('q.%I::%s', a.attname, format_type(a.atttypid, a.atttypmod)), ', '
                          ORDER BY a.attnum) AS casts,
               string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) AS names
          FROM sparkify_redshift.late_binding_views v
          JOIN pg_attribute a ON a.attrelid = v.view_oid AND a.attnum > 0 AND NOT a.attisdropped
         WHERE v.state = 'bound'
         GROUP BY v.view_oid, v.query
    LOOP
        EXECUTE format('CREATE OR REPLACE VIEW %s AS SELECT * FROM sparkify_redshift.late_binding_rows(%L) AS r(%s)',
                       sparkify_redshift.qualified_relation(view.view_oid),
                       format('SELECT %s FROM (%s) AS q(%s)', view.casts, view.query, view.names), view.columns);
        UPDATE sparkify_redshift.late_binding_views SET state = 'unbound' WHERE view_oid = view.view_oid;
    END LOOP;
    PERFORM set_config('sparkify_redshift.late_binding_busy', 'off', true);
END $$;

-- After a DDL: every late-binding view whose tables are there (again) is bound; one made before its
-- tables is made anew with its columns, keeping its owner, grants and comment.
CREATE OR REPLACE FUNCTION sparkify_redshift.bind_late_binding_views() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = sparkify_redshift, pg_catalog, public, pg_temp AS $$
DECLARE
    view record;
BEGIN
    IF current_setting('sparkify_redshift.late_binding_busy', true) = 'on'
       OR NOT EXISTS (SELECT FROM sparkify_redshift.late_binding_views WHERE state <> 'bound') THEN
        RETURN;
    END IF;
    PERFORM set_config('sparkify_redshift.late_binding_busy', 'on', true);
    DELETE FROM sparkify_redshift.late_binding_views v
     WHERE NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = v.view_oid);
    FOR view IN SELECT * FROM sparkify_redshift.late_binding_views WHERE state <> 'bound' LOOP
        BEGIN
            IF view.state = 'unbound' THEN
                EXECUTE format('CREATE OR REPLACE VIEW %s %s AS %s', sparkify_redshift.qualified_relation(view.view_oid),
                               sparkify_redshift.late_binding_column_list(view.column_names), view.query);
                UPDATE sparkify_redshift.late_binding_views SET state = 'bound' WHERE view_oid = view.view_oid;
            ELSE
                PERFORM sparkify_redshift.remake_late_binding_view(view.view_oid, view.query, view.column_names);
            END IF;
        EXCEPTION WHEN OTHERS THEN
            NULL;  -- its tables are not there yet, or differ: it stays as it is, and its query says why
        END;
    END LOOP;
    PERFORM set_config('sparkify_redshift.late_binding_busy', 'off', true);
END $$;

-- A placeholder view made again as its query's view, with the placeholder's owner, grants and comment.
CREATE OR REPLACE FUNCTION sparkify_redshift.remake_late_binding_view(old_oid oid, query text,
                                                                     column_names text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = sparkify_redshift, pg_catalog, public, pg_temp AS $$
DECLARE
    view_name text := sparkify_redshift.qualified_relation(old_oid);
    owner_name text := (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = old_oid);
    grants aclitem[] := (SELECT relacl FROM pg_class WHERE oid = old_oid);
    remark text := obj_description(old_oid, 'pg_class');
    new_oid oid;
BEGIN
    EXECUTE format('DROP VIEW %s', view_name);
    EXECUTE format('CREATE VIEW %s %s AS %s', view_name, sparkify_redshift.late_binding_column_list(column_names), query);
    new_oid := to_regclass(view_name)::oid;
    EXECUTE format('ALTER VIEW %s OWNER TO %I', view_name, owner_name);
    IF grants IS NOT NULL THEN
        UPDATE pg_class SET relacl = grants WHERE oid = new_oid;
    END IF;
    IF remark IS NOT NULL THEN
        EXECUTE format('COMMENT ON VIEW %s IS %L', view_name, remark);
    END IF;
    UPDATE sparkify_redshift.late_binding_views SET view_oid = new_oid, state = 'bound' WHERE view_oid = old_oid;
    UPDATE sparkify_redshift.view_texts SET view_oid = new_oid WHERE view_oid = old_oid;
END $$;

-- Event triggers are a superuser's to make: on another PostgreSQL, where the installing role is none, a
-- late-binding view stays bound (its tables cannot be dropped before it).
DO $triggers$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = current_user AND rolsuper) THEN
        RETURN;
    END IF;
    DROP EVENT TRIGGER IF EXISTS sparkify_unbind_late_binding_views;
    CREATE EVENT TRIGGER sparkify_unbind_late_binding_views ON ddl_command_start
        WHEN TAG IN ('DROP TABLE', 'DROP VIEW', 'DROP MATERIALIZED VIEW', 'DROP SCHEMA', 'DROP FUNCTION',
                     'ALTER TABLE', 'ALTER VIEW', 'ALTER MATERIALIZED VIEW', 'ALTER SCHEMA', 'DROP OWNED')
        EXECUTE FUNCTION sparkify_redshift.unbind_late_binding_views();
    DROP EVENT TRIGGER IF EXISTS sparkify_bind_late_binding_views;
    CREATE EVENT TRIGGER sparkify_bind_late_binding_views ON ddl_command_end
        EXECUTE FUNCTION sparkify_redshift.bind_late_binding_views();
END $triggers$;

-- One row for each column of each late-binding view whose tables are known: schema, view, column, type
-- (as a cluster names it) and number.
CREATE OR REPLACE FUNCTION sparkify_redshift.pg_get_late_binding_view_cols() RETURNS SETOF record
LANGUAGE sql STABLE AS $$
    SELECT n.nspname, c.relname, a.attname,
           sparkify_redshift.format_type(a.atttypid, a.atttypmod)::varchar, a.attnum::integer
      FROM sparkify_redshift.late_binding_views v
      JOIN pg_catalog.pg_class c ON c.oid = v.view_oid
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     WHERE v.state <> 'unknown'
     ORDER BY n.nspname, c.relname, a.attnum $$;

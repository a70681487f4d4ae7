-- Redshift's ALTER and DROP privileges on tables and views (sparkify/engine/sql/redshift/table_privileges.py):
-- recorded here, as PostgreSQL has no such privilege (only an owner alters or drops).  Before an ALTER or
-- DROP, each table the session's user may alter or drop by such a grant (to it, a group or role it is in,
-- or PUBLIC) is lent to that user; after the statement each is given back to its owner.  A statement that
-- fails rolls the lending back with it.
CREATE TABLE IF NOT EXISTS sparkify_redshift.table_privileges (
    table_oid oid NOT NULL,
    grantee   oid NOT NULL,  -- 0: PUBLIC
    privilege text NOT NULL,
    PRIMARY KEY (table_oid, grantee, privilege)
);
-- RULE: one of ALL's privileges as a cluster lists them (nothing to enforce: Redshift has no rules).
ALTER TABLE sparkify_redshift.table_privileges DROP CONSTRAINT IF EXISTS table_privileges_privilege_check;
ALTER TABLE sparkify_redshift.table_privileges
    ADD CONSTRAINT table_privileges_privilege_check CHECK (privilege IN ('ALTER', 'DROP', 'RULE')),
    ADD COLUMN IF NOT EXISTS grantor oid,  -- the role that granted it (SHOW GRANTS' grantor_name)
    ADD COLUMN IF NOT EXISTS grantable boolean NOT NULL DEFAULT false;  -- WITH GRANT OPTION
GRANT SELECT ON sparkify_redshift.table_privileges TO PUBLIC;

-- GRANT / REVOKE of ALTER, DROP or RULE on ``tables`` by ``grantor`` (the client's current role, which the
-- session's user must be): by the owner (or a member of the owner), or by a holder of each privilege WITH
-- GRANT OPTION.  ``action``: GRANT, GRANT OPTION, REVOKE, or REVOKE OPTION (the grant option only).
DROP FUNCTION IF EXISTS sparkify_redshift.grant_table_privileges(regclass[], text[], text[], boolean);
CREATE OR REPLACE FUNCTION sparkify_redshift.grant_table_privileges(tables regclass[], privileges text[],
                                                                   grantees text[], action text, grantor name)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    target regclass;
    roles oid[] := ARRAY(SELECT CASE WHEN g = 'public' THEN 0 ELSE g::regrole::oid END FROM unnest(grantees) g);
    granting oid := grantor::regrole::oid;
BEGIN
    IF NOT pg_has_role(session_user, granting, 'USAGE') THEN
        RAISE EXCEPTION 'permission denied to grant as %', grantor USING ERRCODE = 'insufficient_privilege';
    END IF;
    FOREACH target IN ARRAY tables LOOP
        IF NOT pg_has_role(granting, (SELECT relowner FROM pg_class WHERE oid = target), 'USAGE')
           AND (SELECT count(DISTINCT p.privilege) FROM sparkify_redshift.table_privileges p
                 WHERE p.table_oid = target AND p.grantable AND p.privilege = ANY (privileges)
                   AND (p.grantee = 0 OR pg_has_role(granting, p.grantee, 'USAGE')))
               < cardinality(ARRAY(SELECT DISTINCT unnest(privileges))) THEN
            RAISE EXCEPTION 'permission denied for relation %', (SELECT relname FROM pg_class WHERE oid = target)
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF action = 'REVOKE OPTION' THEN
            UPDATE sparkify_redshift.table_privileges SET grantable = false
             WHERE table_oid = target AND grantee = ANY (roles) AND privilege = ANY (privileges);
            CONTINUE;
        END IF;
        DELETE FROM sparkify_redshift.table_privileges
         WHERE table_oid = target AND grantee = ANY (roles) AND privilege = ANY (privileges);
        IF action LIKE 'GRANT%' THEN
            INSERT INTO sparkify_redshift.table_privileges (table_oid, grantee, privilege, grantor, grantable)
            SELECT target, r, p, granting, action = 'GRANT OPTION' FROM unnest(roles) r CROSS JOIN unnest(privileges) p;
        END IF;
    END LOOP;
    DELETE FROM sparkify_redshift.table_privileges t WHERE NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = t.table_oid);
END $$;

-- The tables lent for the statement a backend runs, with the grants to put back: a change of owner hands
-- the old owner's grants to the new one, and a grantee made owner loses its own entries.
CREATE TABLE IF NOT EXISTS sparkify_redshift.lent_tables (
    backend_pid integer NOT NULL,
    table_oid   oid NOT NULL,
    owner       oid NOT NULL,
    grants      aclitem[],
    column_grants jsonb NOT NULL,  -- attnum: the column's aclitem[] as text
    PRIMARY KEY (backend_pid, table_oid)
);

CREATE OR REPLACE FUNCTION sparkify_redshift.lend_granted_tables() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    wanted text := CASE WHEN tg_tag LIKE 'DROP%' THEN 'DROP' ELSE 'ALTER' END;
    granted record;
BEGIN
    IF current_setting('sparkify_redshift.lending', true) = 'on'
       OR NOT EXISTS (SELECT FROM sparkify_redshift.table_privileges WHERE privilege = wanted) THEN
        RETURN;
    END IF;
    PERFORM set_config('sparkify_redshift.lending', 'on', true);
    FOR granted IN
        SELECT DISTINCT p.table_oid, c.relowner, c.relacl
          FROM sparkify_redshift.table_privileges p
          JOIN pg_class c ON c.oid = p.table_oid
         WHERE p.privilege = wanted AND (p.grantee = 0 OR pg_has_role(session_user, p.grantee, 'USAGE'))
           AND NOT pg_has_role(session_user, c.relowner, 'USAGE')
    LOOP
        INSERT INTO sparkify_redshift.lent_tables
        SELECT pg_backend_pid(), granted.table_oid, granted.relowner, granted.relacl,
               coalesce(jsonb_object_agg(a.attnum, a.attacl::text) FILTER (WHERE a.attacl IS NOT NULL), '{}')
          FROM pg_attribute a WHERE a.attrelid = granted.table_oid AND a.attnum > 0;
        EXECUTE format('ALTER TABLE %s OWNER TO %I', sparkify_redshift.qualified_relation(granted.table_oid),
                       session_user);
    END LOOP;
    PERFORM set_config('sparkify_redshift.lending', 'off', true);
END $$;

CREATE OR REPLACE FUNCTION sparkify_redshift.return_lent_tables() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    lent record;
BEGIN
    IF current_setting('sparkify_redshift.lending', true) = 'on'
       OR NOT EXISTS (SELECT FROM sparkify_redshift.lent_tables WHERE backend_pid = pg_backend_pid()) THEN
        RETURN;
    END IF;
    PERFORM set_config('sparkify_redshift.lending', 'on', true);
    FOR lent IN DELETE FROM sparkify_redshift.lent_tables WHERE backend_pid = pg_backend_pid() RETURNING * LOOP
        CONTINUE WHEN NOT EXISTS (SELECT FROM pg_class WHERE oid = lent.table_oid);
        EXECUTE format('ALTER TABLE %s OWNER TO %I', sparkify_redshift.qualified_relation(lent.table_oid),
                       pg_get_userbyid(lent.owner));
        UPDATE pg_class SET relacl = lent.grants WHERE oid = lent.table_oid;
        UPDATE pg_attribute a SET attacl = (lent.column_grants ->> a.attnum::text)::aclitem[]
         WHERE a.attrelid = lent.table_oid AND a.attnum > 0;
    END LOOP;
    PERFORM set_config('sparkify_redshift.lending', 'off', true);
END $$;

-- Event triggers are a superuser's to make: on another PostgreSQL, where the installing role is none, the
-- grants are recorded and listed but not honoured.
DO $triggers$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = current_user AND rolsuper) THEN
        RETURN;
    END IF;
    DROP EVENT TRIGGER IF EXISTS sparkify_lend_granted_tables;
    CREATE EVENT TRIGGER sparkify_lend_granted_tables ON ddl_command_start
        WHEN TAG IN ('DROP TABLE', 'DROP VIEW', 'DROP MATERIALIZED VIEW', 'ALTER TABLE', 'ALTER VIEW',
                     'ALTER MATERIALIZED VIEW')
        EXECUTE FUNCTION sparkify_redshift.lend_granted_tables();
    DROP EVENT TRIGGER IF EXISTS sparkify_return_lent_tables;
    CREATE EVENT TRIGGER sparkify_return_lent_tables ON ddl_command_end
        WHEN TAG IN ('DROP TABLE', 'DROP VIEW', 'DROP MATERIALIZED VIEW', 'ALTER TABLE', 'ALTER VIEW',
                     'ALTER MATERIALIZED VIEW')
        EXECUTE FUNCTION sparkify_redshift.return_lent_tables();
END $triggers$;

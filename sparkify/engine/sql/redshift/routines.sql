-- Redshift's two INTERVAL types in a routine's signature.  A column or a cast of INTERVAL YEAR TO MONTH /
-- DAY TO SECOND is PostgreSQL's interval of that range (its typmod tells the two apart on the wire and in
-- SHOW COLUMNS), but PostgreSQL keeps no typmod on a routine's arguments or result: a procedure of those
-- arguments would be p(interval, interval), where a cluster's SHOW PROCEDURES, SHOW PARAMETERS and its
-- drivers (the specific name of get_procedures) say p(intervaly2m, intervald2s), and where p(intervaly2m)
-- and p(intervald2s) are two routines.  So a routine's argument or result of those types is one of these
-- domains (sparkify/engine/sql/redshift/procedures.py rewrites the signatures), named as a cluster names
-- the types: a value of one is the interval of that range, sent on the wire as the interval it is.
DO $routines$ BEGIN
    IF to_regtype('sparkify_redshift.intervaly2m') IS NULL THEN
        CREATE DOMAIN sparkify_redshift.intervaly2m AS interval year to month;
    END IF;
    IF to_regtype('sparkify_redshift.intervald2s') IS NULL THEN
        CREATE DOMAIN sparkify_redshift.intervald2s AS interval day to second;
    END IF;
END $routines$;

-- The type an OUT argument's domain (out_domain below) stands for; any other type itself.
CREATE OR REPLACE FUNCTION sparkify_redshift.declared_type(type_oid oid) RETURNS oid
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT t.typbasetype FROM pg_catalog.pg_type t
                      WHERE t.oid = type_oid AND t.typtype = 'd' AND t.typname LIKE 'out %'
                        AND t.typnamespace = 'sparkify_redshift'::regnamespace), type_oid) $$;

-- A type as a cluster names it in a routine's signature: format_type's name, the two domains by theirs
-- whatever the search path, an OUT argument's domain (out_domain below) by its base type's.
CREATE OR REPLACE FUNCTION sparkify_redshift.routine_type_name(type_oid oid) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE declared WHEN 'sparkify_redshift.intervaly2m'::regtype THEN 'intervaly2m'
                         WHEN 'sparkify_redshift.intervald2s'::regtype THEN 'intervald2s'
                         ELSE pg_catalog.format_type(declared, NULL) END
      FROM sparkify_redshift.declared_type(type_oid) AS declared $$;

-- A procedure's OUT argument counts in PostgreSQL's signature (it is held as INOUT … DEFAULT NULL, see
-- procedures.py), not in a cluster's: a procedure p(r OUT int) and a function p(int) are two routines
-- there.  When a function is created beside such a procedure (apart_from_procedure), the procedure's OUT
-- arguments become of these domains over their types, one a type, so that the two signatures differ.
CREATE OR REPLACE FUNCTION sparkify_redshift.out_domain(base regtype) RETURNS regtype
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    name text := 'out ' || base::oid;
BEGIN
    IF to_regtype(format('sparkify_redshift.%I', name)) IS NULL THEN
        EXECUTE format('CREATE DOMAIN sparkify_redshift.%I AS %s', name, base);
    END IF;
    RETURN format('sparkify_redshift.%I', name)::regtype;
END $$;

-- Before a function of this signature is created: a procedure of the same signature whose OUT arguments
-- make it so is made again with those arguments of out_domain's types (its owner, privileges, comment and
-- recorded sizes kept).  Anything else is left as it is (PostgreSQL's error stands).
CREATE OR REPLACE FUNCTION sparkify_redshift.apart_from_procedure(signature text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    old oid := to_regprocedure(signature);
    p pg_catalog.pg_proc;
    arguments text;
    clauses text := '';
    made regprocedure;
    grant_row record;
BEGIN
    SELECT * INTO p FROM pg_catalog.pg_proc WHERE oid = old AND prokind = 'p';
    IF NOT FOUND OR NOT EXISTS (SELECT FROM sparkify_redshift.routine_parameters(old) r
                                 WHERE r.parameter_type = 'OUT') THEN
        RETURN;
    END IF;
    SELECT string_agg(concat_ws(' ', CASE WHEN r.parameter_type = 'OUT' THEN 'INOUT' ELSE r.parameter_type END,
                                nullif(quote_ident(nullif(r.parameter_name, '')), ''),
                                CASE WHEN r.parameter_type = 'OUT'
                                     THEN sparkify_redshift.out_domain(a.type_oid)::text || ' DEFAULT NULL'
                                     ELSE a.type_oid::regtype::text END), ', ' ORDER BY r.ordinal_position)
      INTO arguments
      FROM sparkify_redshift.routine_parameters(old) r
      JOIN unnest(p.proargtypes::oid[]) WITH ORDINALITY AS a(type_oid, position)
        ON a.position = r.ordinal_position;
    IF p.prosecdef THEN
        clauses := ' SECURITY DEFINER';
    END IF;
    SELECT clauses || coalesce(string_agg(format(' SET %I = %L', split_part(c, '=', 1),
                                                 substr(c, length(split_part(c, '=', 1)) + 2)), ''), '')
      INTO clauses FROM unnest(p.proconfig) AS c;
    EXECUTE format('CREATE PROCEDURE %s.%I(%s)%s LANGUAGE %I AS %L', p.pronamespace::regnamespace,
                   p.proname, arguments, clauses, (SELECT lanname FROM pg_language WHERE oid = p.prolang),
                   p.prosrc);
    made := to_regprocedure(format('%s.%I(%s)', p.pronamespace::regnamespace, p.proname,
                                   (SELECT string_agg(CASE WHEN r.parameter_type = 'OUT'
                                                           THEN sparkify_redshift.out_domain(a.type_oid)::text
                                                           ELSE a.type_oid::regtype::text END,
                                                      ', ' ORDER BY r.ordinal_position)
                                      FROM sparkify_redshift.routine_parameters(old) r
                                      JOIN unnest(p.proargtypes::oid[]) WITH ORDINALITY AS a(type_oid, position)
                                        ON a.position = r.ordinal_position)));
    EXECUTE format('ALTER PROCEDURE %s OWNER TO %I', made, pg_get_userbyid(p.proowner));
    IF p.proacl IS NOT NULL THEN
        EXECUTE format('REVOKE ALL ON PROCEDURE %s FROM PUBLIC', made);
        FOR grant_row IN SELECT * FROM aclexplode(p.proacl) x WHERE x.grantee <> p.proowner LOOP
            EXECUTE format('GRANT EXECUTE ON PROCEDURE %s TO %s', made,
                           CASE WHEN grant_row.grantee = 0 THEN 'PUBLIC'
                                ELSE quote_ident(pg_get_userbyid(grant_row.grantee)) END);
        END LOOP;
    END IF;
    EXECUTE format('COMMENT ON PROCEDURE %s IS %L', made, obj_description(old, 'pg_proc'));
    PERFORM sparkify_redshift.record_routine_typmods(made, ARRAY(
        SELECT coalesce(t.typmod, -1) FROM generate_series(1, p.pronargs) AS g(position)
          LEFT JOIN sparkify_redshift.routine_typmods t ON t.procedure_oid = old AND t.position = g.position
         ORDER BY g.position));
    EXECUTE format('DROP PROCEDURE %s', old::regprocedure);
END $$;

-- A procedure's arguments' type modifiers as its CREATE statement declared them (numeric(10,5), char(20),
-- varchar(256)), which PostgreSQL does not keep: by the procedure's oid and the argument's position.
-- Recorded by the statement itself (procedures.py); a CREATE OR REPLACE records anew, and the rows of a
-- procedure that is gone are dropped at the next recording.
CREATE TABLE IF NOT EXISTS sparkify_redshift.routine_typmods (
    procedure_oid oid NOT NULL,
    position integer NOT NULL,
    typmod integer NOT NULL,
    PRIMARY KEY (procedure_oid, position)
);
GRANT SELECT ON sparkify_redshift.routine_typmods TO PUBLIC;

-- ``typmods``: each argument's type modifier (-1: none), in order.
DROP FUNCTION IF EXISTS sparkify_redshift.record_routine_typmods(text, text[]);
CREATE OR REPLACE FUNCTION sparkify_redshift.record_routine_typmods(target regprocedure, typmods integer[])
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    -- It runs as the shims' owner: only the procedure's owner (or a member of it) records its arguments.
    IF target IS NULL
       OR NOT pg_has_role(session_user, (SELECT proowner FROM pg_proc WHERE oid = target), 'USAGE') THEN
        RETURN;
    END IF;
    DELETE FROM sparkify_redshift.routine_typmods t WHERE NOT EXISTS (SELECT FROM pg_proc p WHERE p.oid = t.procedure_oid);
    DELETE FROM sparkify_redshift.routine_typmods t WHERE t.procedure_oid = target;
    INSERT INTO sparkify_redshift.routine_typmods
    SELECT target, a.position, a.typmod
      FROM unnest(typmods) WITH ORDINALITY AS a(typmod, position)
     WHERE a.typmod >= 0;
END $$;

-- A routine's parameters as SHOW PARAMETERS lists them: a function's result first (position 0, RETURN),
-- then each argument with its mode, and a procedure's declared sizes.  A procedure's OUT argument is an
-- INOUT with a default here (so that CALL passes the IN and INOUT arguments only, as on a cluster; see
-- procedures.py): Redshift's procedures have no defaults, so an INOUT with one is an OUT.
CREATE OR REPLACE FUNCTION sparkify_redshift.routine_parameters(routine oid)
RETURNS TABLE (ordinal_position integer, parameter_name text, parameter_type text, data_type text,
               character_maximum_length integer, numeric_precision integer, numeric_scale integer)
LANGUAGE sql STABLE AS $$
    SELECT 0, '', 'RETURN',
           CASE WHEN p.prorettype = 0 THEN 'void' ELSE sparkify_redshift.routine_type_name(p.prorettype) END,
           NULL::integer, NULL::integer, NULL::integer
      FROM pg_catalog.pg_proc p WHERE p.oid = routine AND p.prokind = 'f'
    UNION ALL
    SELECT a.position::integer, coalesce(p.proargnames[a.position], ''),
           CASE coalesce(p.proargmodes[a.position], 'i')
                WHEN 'o' THEN 'OUT' WHEN 't' THEN 'TABLE'
                WHEN 'b' THEN CASE WHEN p.prokind = 'p' AND a.position > p.pronargs - p.pronargdefaults
                                   THEN 'OUT' ELSE 'INOUT' END
                ELSE 'IN' END,
           sparkify_redshift.routine_type_name(a.type_oid),
           information_schema._pg_char_max_length(sparkify_redshift.declared_type(a.type_oid), t.typmod)::integer,
           information_schema._pg_numeric_precision(sparkify_redshift.declared_type(a.type_oid), t.typmod)::integer,
           information_schema._pg_numeric_scale(sparkify_redshift.declared_type(a.type_oid), t.typmod)::integer
      FROM pg_catalog.pg_proc p
     CROSS JOIN unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) WITH ORDINALITY AS a(type_oid, position)
      LEFT JOIN sparkify_redshift.routine_typmods t ON t.procedure_oid = p.oid AND t.position = a.position
     WHERE p.oid = routine
     ORDER BY 1 $$;

-- A routine's signature as a cluster writes it (SHOW FUNCTIONS / PROCEDURES' argument_list, the specific
-- name of Redshift's drivers): its IN and INOUT arguments' types.
CREATE OR REPLACE FUNCTION sparkify_redshift.routine_signature(routine oid) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce(string_agg(r.data_type, ', ' ORDER BY r.ordinal_position), '')
      FROM sparkify_redshift.routine_parameters(routine) r
     WHERE r.parameter_type IN ('IN', 'INOUT') $$;

-- The type a SHOW PARAMETERS command names in a signature, as routine_signature writes it: ``int`` is
-- integer, ``varchar(256)`` character varying; a name that is no type stays as it is (and matches nothing).
CREATE OR REPLACE FUNCTION sparkify_redshift.signature_type_name(written text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce(sparkify_redshift.routine_type_name(to_regtype(written)), written) $$;

-- A CREATE PROCEDURE (``creation``, PostgreSQL's statement) and the recording of its arguments' sizes
-- (record_routine_typmods).  A function whose signature the procedure's OUT arguments alone would take
-- (a function p(int) before a procedure p(r OUT int)) is moved out of the way meanwhile, and the procedure
-- made apart from it (apart_from_procedure): on a cluster the two are different routines.
CREATE OR REPLACE FUNCTION sparkify_redshift.create_procedure(creation text, signature text,
                                                              typmods integer[], has_out boolean)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    twin oid := to_regprocedure(signature);
    twin_name name;
BEGIN
    IF has_out AND twin IS NOT NULL AND (SELECT prokind FROM pg_catalog.pg_proc WHERE oid = twin) = 'f' THEN
        twin_name := (SELECT proname FROM pg_catalog.pg_proc WHERE oid = twin);
        EXECUTE format('ALTER FUNCTION %s RENAME TO %I', twin::regprocedure, 'sparkify apart ' || twin);
    ELSE
        twin := NULL;
    END IF;
    EXECUTE creation;
    PERFORM sparkify_redshift.record_routine_typmods(to_regprocedure(signature), typmods);
    IF twin IS NOT NULL THEN
        PERFORM sparkify_redshift.apart_from_procedure(signature);
        EXECUTE format('ALTER FUNCTION %s RENAME TO %I', twin::regprocedure, twin_name);
    END IF;
END $$;

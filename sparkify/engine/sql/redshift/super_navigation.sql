-- PartiQL over SUPER (held as json): what the navigation, unnesting and unpivoting rewrites
-- (sparkify/engine/sql/redshift/partiql.py) call, and SUPER's dynamic typing in comparisons, arithmetic
-- and casts.  Everything is lax, as Redshift's default modes are: a step, element or cast that does not fit
-- the value's dynamic type gives NULL (or no rows), never an error.

-- An attribute step whose name has capitals: enable_case_sensitive_super_attribute decides at run time
-- whether the name is as written or folded to lower case (the setting of the session running the query);
-- a quoted name keeps its case also under enable_case_sensitive_identifier.
CREATE OR REPLACE FUNCTION sparkify_redshift.super_attribute(value json, written text, folded text, quoted boolean)
RETURNS json LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT value -> CASE WHEN lower(coalesce(current_setting('redshift.enable_case_sensitive_super_attribute', true),
                                             'off')) IN ('on', 'true', '1', 't')
                           OR (quoted AND lower(coalesce(current_setting('redshift.enable_case_sensitive_identifier',
                                                                         true), 'off')) IN ('on', 'true', '1', 't'))
                         THEN written ELSE folded END $$;

-- FROM t AS c, c.arr AS e AT i: the elements of an array and their 0-based indexes; nothing of a
-- non-array.
CREATE OR REPLACE FUNCTION sparkify_redshift.super_elements(value json, OUT element json, OUT index integer)
RETURNS SETOF record LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT e.item, (e.ordinal - 1)::integer
      FROM pg_catalog.json_array_elements(CASE WHEN pg_catalog.json_typeof(value) = 'array' THEN value END)
           WITH ORDINALITY AS e(item, ordinal) $$;

-- FROM t AS c, UNPIVOT c.obj AS v AT k: the values of an object and their attribute names; nothing of a
-- non-object.
CREATE OR REPLACE FUNCTION sparkify_redshift.super_attributes(value json, OUT element json, OUT key varchar)
RETURNS SETOF record LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT e.item, e.name::varchar
      FROM pg_catalog.json_each(CASE WHEN pg_catalog.json_typeof(value) = 'object' THEN value END)
           AS e(name, item) $$;

-- A SUPER scalar's dynamic type, as text (NULL for arrays, objects and JSON null).
CREATE OR REPLACE FUNCTION sparkify_redshift.super_number(value json) RETURNS numeric
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN pg_catalog.json_typeof(value) = 'number' THEN (value #>> '{}')::numeric END $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.super_string(value json) RETURNS varchar
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN pg_catalog.json_typeof(value) = 'string' THEN value #>> '{}' END $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.super_boolean(value json) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN pg_catalog.json_typeof(value) = 'boolean' THEN (value #>> '{}')::boolean END $$;

-- Equality: true when the dynamic types fit and the values are equal, false otherwise (a different type
-- included); strings compare without trailing blanks, as CHAR and VARCHAR do; objects and arrays deep.
CREATE OR REPLACE FUNCTION sparkify_redshift.super_eq(left_value json, right_value numeric) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(sparkify_redshift.super_number(left_value) = right_value, false) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.super_eq(left_value json, right_value double precision) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(sparkify_redshift.super_number(left_value)::double precision = right_value, false) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.super_eq(left_value json, right_value text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(rtrim(sparkify_redshift.super_string(left_value)) = rtrim(right_value), false) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.super_eq(left_value json, right_value boolean) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(sparkify_redshift.super_boolean(left_value) = right_value, false) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.super_eq(left_value json, right_value json) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN pg_catalog.json_typeof(left_value) = 'string' AND pg_catalog.json_typeof(right_value) = 'string'
                THEN rtrim(left_value #>> '{}') = rtrim(right_value #>> '{}')
                ELSE left_value::jsonb = right_value::jsonb END $$;

-- Order comparisons: NULL when the dynamic types differ (Redshift cannot compare them).
CREATE OR REPLACE FUNCTION sparkify_redshift.super_cmp(left_value json, right_value numeric) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT sign(sparkify_redshift.super_number(left_value) - right_value)::integer $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.super_cmp(left_value json, right_value double precision) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT sign(sparkify_redshift.super_number(left_value)::double precision - right_value)::integer $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.super_cmp(left_value json, right_value text) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN sparkify_redshift.super_string(left_value) IS NULL THEN NULL
                WHEN rtrim(sparkify_redshift.super_string(left_value)) < rtrim(right_value) THEN -1
                WHEN rtrim(sparkify_redshift.super_string(left_value)) > rtrim(right_value) THEN 1
                ELSE 0 END $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.super_cmp(left_value json, right_value json) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN pg_catalog.json_typeof(right_value) = 'number'
                THEN sparkify_redshift.super_cmp(left_value, sparkify_redshift.super_number(right_value))
                WHEN pg_catalog.json_typeof(right_value) = 'string'
                THEN sparkify_redshift.super_cmp(left_value, (right_value #>> '{}')::text) END $$;

DO $operators$
DECLARE
    other text;
    comparison record;
BEGIN
    FOREACH other IN ARRAY ARRAY['numeric', 'double precision', 'text', 'json'] LOOP
        FOR comparison IN SELECT * FROM (VALUES ('<', '< 0', 'lt', '>'), ('<=', '<= 0', 'le', '>='),
                                                ('>', '> 0', 'gt', '<'), ('>=', '>= 0', 'ge', '<='))
                                        AS c(op, test, name, commutator) LOOP
            EXECUTE format('CREATE OR REPLACE FUNCTION sparkify_redshift.super_%s(left_value json, right_value %s) '
                           'RETURNS boolean LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS '
                           '$f$ SELECT sparkify_redshift.super_cmp(left_value, right_value) %s $f$',
                           comparison.name, other, comparison.test);
            IF to_regoperator(format('sparkify_redshift.%s(json, %s)', comparison.op, other)) IS NULL THEN
                EXECUTE format('CREATE OPERATOR sparkify_redshift.%s (LEFTARG = json, RIGHTARG = %s, '
                               'FUNCTION = sparkify_redshift.super_%s)', comparison.op, other, comparison.name);
            END IF;
            IF other <> 'json' THEN
                EXECUTE format('CREATE OR REPLACE FUNCTION sparkify_redshift.super_%s(left_value %s, right_value json) '
                               'RETURNS boolean LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS '
                               '$f$ SELECT sparkify_redshift.super_cmp(right_value, left_value) %s $f$',
                               comparison.name, other,
                               replace(replace(replace(comparison.test, '<', '#'), '>', '<'), '#', '>'));
                IF to_regoperator(format('sparkify_redshift.%s(%s, json)', comparison.op, other)) IS NULL THEN
                    EXECUTE format('CREATE OPERATOR sparkify_redshift.%s (LEFTARG = %s, RIGHTARG = json, '
                                   'FUNCTION = sparkify_redshift.super_%s)', comparison.op, other, comparison.name);
                END IF;
            END IF;
        END LOOP;
    END LOOP;
    FOREACH other IN ARRAY ARRAY['numeric', 'double precision', 'text', 'boolean', 'json'] LOOP
        EXECUTE format('CREATE OR REPLACE FUNCTION sparkify_redshift.super_ne(left_value json, right_value %s) '
                       'RETURNS boolean LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS '
                       '$f$ SELECT NOT sparkify_redshift.super_eq(left_value, right_value) $f$', other);
        IF to_regoperator(format('sparkify_redshift.=(json, %s)', other)) IS NULL THEN
            EXECUTE format('CREATE OPERATOR sparkify_redshift.= (LEFTARG = json, RIGHTARG = %s, '
                           'FUNCTION = sparkify_redshift.super_eq)', other);
            EXECUTE format('CREATE OPERATOR sparkify_redshift.<> (LEFTARG = json, RIGHTARG = %s, '
                           'FUNCTION = sparkify_redshift.super_ne)', other);
        END IF;
        IF other <> 'json' THEN
            EXECUTE format('CREATE OR REPLACE FUNCTION sparkify_redshift.super_eq(left_value %s, right_value json) '
                           'RETURNS boolean LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS '
                           '$f$ SELECT sparkify_redshift.super_eq(right_value, left_value) $f$', other);
            EXECUTE format('CREATE OR REPLACE FUNCTION sparkify_redshift.super_ne(left_value %s, right_value json) '
                           'RETURNS boolean LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS '
                           '$f$ SELECT NOT sparkify_redshift.super_eq(right_value, left_value) $f$', other);
            IF to_regoperator(format('sparkify_redshift.=(%s, json)', other)) IS NULL THEN
                EXECUTE format('CREATE OPERATOR sparkify_redshift.= (LEFTARG = %s, RIGHTARG = json, '
                               'FUNCTION = sparkify_redshift.super_eq)', other);
                EXECUTE format('CREATE OPERATOR sparkify_redshift.<> (LEFTARG = %s, RIGHTARG = json, '
                               'FUNCTION = sparkify_redshift.super_ne)', other);
            END IF;
        END IF;
    END LOOP;
END $operators$;

-- Arithmetic on SUPER numbers: a number's value, NULL for any other dynamic type.
DO $arithmetic$
DECLARE
    operation record;
BEGIN
    FOR operation IN SELECT * FROM (VALUES ('+', 'add'), ('-', 'subtract'), ('*', 'multiply'), ('/', 'divide'))
                                  AS o(op, name) LOOP
        EXECUTE format('CREATE OR REPLACE FUNCTION sparkify_redshift.super_%s(left_value json, right_value numeric) '
                       'RETURNS numeric LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS '
                       '$f$ SELECT sparkify_redshift.super_number(left_value) %s right_value $f$',
                       operation.name, operation.op);
        EXECUTE format('CREATE OR REPLACE FUNCTION sparkify_redshift.super_%s(left_value numeric, right_value json) '
                       'RETURNS numeric LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS '
                       '$f$ SELECT left_value %s sparkify_redshift.super_number(right_value) $f$',
                       operation.name, operation.op);
        EXECUTE format('CREATE OR REPLACE FUNCTION sparkify_redshift.super_%s(left_value json, right_value json) '
                       'RETURNS numeric LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS '
                       '$f$ SELECT sparkify_redshift.super_number(left_value) %s '
                       'sparkify_redshift.super_number(right_value) $f$', operation.name, operation.op);
        IF to_regoperator(format('sparkify_redshift.%s(json, numeric)', operation.op)) IS NULL THEN
            EXECUTE format('CREATE OPERATOR sparkify_redshift.%s (LEFTARG = json, RIGHTARG = numeric, '
                           'FUNCTION = sparkify_redshift.super_%s)', operation.op, operation.name);
            EXECUTE format('CREATE OPERATOR sparkify_redshift.%s (LEFTARG = numeric, RIGHTARG = json, '
                           'FUNCTION = sparkify_redshift.super_%s)', operation.op, operation.name);
            EXECUTE format('CREATE OPERATOR sparkify_redshift.%s (LEFTARG = json, RIGHTARG = json, '
                           'FUNCTION = sparkify_redshift.super_%s)', operation.op, operation.name);
        END IF;
    END LOOP;
END $arithmetic$;

-- Casts of a SUPER value, lax: a scalar of the fitting dynamic type gives its value, anything else NULL
-- (a VARCHAR of a string is its text, without JSON's quotes).
CREATE OR REPLACE FUNCTION sparkify_redshift.super_to_varchar(value json) RETURNS varchar
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN pg_catalog.json_typeof(value) IN ('string', 'number', 'boolean') THEN value #>> '{}' END $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.super_to_bigint(value json) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT sparkify_redshift.super_number(value)::bigint $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.super_to_integer(value json) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT sparkify_redshift.super_number(value)::integer $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.super_to_smallint(value json) RETURNS smallint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT sparkify_redshift.super_number(value)::smallint $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.super_to_numeric(value json) RETURNS numeric
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT sparkify_redshift.super_number(value) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.super_to_double(value json) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT sparkify_redshift.super_number(value)::double precision $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.super_to_real(value json) RETURNS real
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT sparkify_redshift.super_number(value)::real $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.super_to_boolean(value json) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT sparkify_redshift.super_boolean(value) $$;
DO $casts$
DECLARE
    target record;
BEGIN
    FOR target IN SELECT * FROM (VALUES ('character varying', 'varchar'), ('bigint', 'bigint'),
                                        ('integer', 'integer'), ('smallint', 'smallint'), ('numeric', 'numeric'),
                                        ('double precision', 'double'), ('real', 'real'), ('boolean', 'boolean'))
                              AS t(type_name, function_suffix) LOOP
        BEGIN
            EXECUTE format('CREATE CAST (json AS %s) WITH FUNCTION sparkify_redshift.super_to_%s(json)',
                           target.type_name, target.function_suffix);
        EXCEPTION WHEN duplicate_object OR insufficient_privilege THEN
            NULL;  -- there already, or a database owner who is not a superuser: PostgreSQL's casts stay
        END;
    END LOOP;
END $casts$;

-- ORDER BY, GROUP BY and DISTINCT of SUPER values: Redshift's total order among dynamic types (boolean,
-- number, string, array, object; query-super, "Order by"), as json's default btree operator class.  Its
-- operators have names of their own: ``<`` and ``=`` on SUPER values stay the dynamic-typing ones above.
CREATE OR REPLACE FUNCTION sparkify_redshift.super_rank(value json) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE pg_catalog.json_typeof(value) WHEN 'boolean' THEN 1 WHEN 'number' THEN 2 WHEN 'string' THEN 3
                WHEN 'array' THEN 4 WHEN 'object' THEN 5 ELSE 6 END $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.super_order(left_value json, right_value json) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN sparkify_redshift.super_rank(left_value) <> sparkify_redshift.super_rank(right_value)
                THEN sign(sparkify_redshift.super_rank(left_value) - sparkify_redshift.super_rank(right_value))::integer
                WHEN pg_catalog.json_typeof(left_value) = 'number'
                THEN sign((left_value #>> '{}')::numeric - (right_value #>> '{}')::numeric)::integer
                WHEN pg_catalog.json_typeof(left_value) = 'string'
                THEN CASE WHEN (left_value #>> '{}') < (right_value #>> '{}') THEN -1
                          WHEN (left_value #>> '{}') > (right_value #>> '{}') THEN 1 ELSE 0 END
                ELSE pg_catalog.jsonb_cmp(left_value::jsonb, right_value::jsonb) END $$;
DO $order$
DECLARE
    member record;
BEGIN
    FOR member IN SELECT * FROM (VALUES ('~<~', 'before', '< 0'), ('~<=~', 'not_after', '<= 0'),
                                        ('~=~', 'same', '= 0'), ('~>=~', 'not_before', '>= 0'),
                                        ('~>~', 'after', '> 0')) AS m(op, name, test) LOOP
        EXECUTE format('CREATE OR REPLACE FUNCTION sparkify_redshift.super_%s(left_value json, right_value json) '
                       'RETURNS boolean LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS '
                       '$f$ SELECT sparkify_redshift.super_order(left_value, right_value) %s $f$',
                       member.name, member.test);
        IF to_regoperator(format('sparkify_redshift.%s(json, json)', member.op)) IS NULL THEN
            EXECUTE format('CREATE OPERATOR sparkify_redshift.%s (LEFTARG = json, RIGHTARG = json, '
                           'FUNCTION = sparkify_redshift.super_%s)', member.op, member.name);
        END IF;
    END LOOP;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_opclass WHERE opcname = 'super_order_ops') THEN
        BEGIN
            CREATE OPERATOR CLASS sparkify_redshift.super_order_ops DEFAULT FOR TYPE json USING btree AS
                OPERATOR 1 sparkify_redshift.~<~, OPERATOR 2 sparkify_redshift.~<=~,
                OPERATOR 3 sparkify_redshift.~=~, OPERATOR 4 sparkify_redshift.~>=~,
                OPERATOR 5 sparkify_redshift.~>~,
                FUNCTION 1 sparkify_redshift.super_order(json, json);
        EXCEPTION WHEN insufficient_privilege THEN
            NULL;  -- a database owner who is not a superuser: SUPER values are not ordered
        END;
    END IF;
END $order$;

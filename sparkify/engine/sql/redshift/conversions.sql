-- Redshift's implicit conversions where PostgreSQL has none (the developer guide, "Type compatibility and
-- conversion"): SMALLINT, INTEGER and BIGINT convert to BOOLEAN in an assignment (INSERT, UPDATE), so
-- that EXTRACT(dow FROM ts) or a literal 1 goes into a BOOLEAN column: 0 is false, any other number true.
-- A cast between built-in types belongs to the database, not to a schema: only a superuser may make one,
-- and the casts' functions live here.  Assignment casts are never tried when a function or operator is
-- chosen, so no call changes its meaning.
CREATE OR REPLACE FUNCTION sparkify_redshift.int8_to_boolean(value bigint) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT value <> 0 $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.int2_to_boolean(value smallint) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT value <> 0 $$;

DO $casts$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = current_user AND rolsuper) THEN
        RETURN;  -- another PostgreSQL's database owner: Redshift's functions without these conversions
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_cast
                   WHERE castsource = 'bigint'::regtype AND casttarget = 'boolean'::regtype) THEN
        CREATE CAST (bigint AS boolean) WITH FUNCTION sparkify_redshift.int8_to_boolean(bigint) AS ASSIGNMENT;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_cast
                   WHERE castsource = 'smallint'::regtype AND casttarget = 'boolean'::regtype) THEN
        CREATE CAST (smallint AS boolean) WITH FUNCTION sparkify_redshift.int2_to_boolean(smallint) AS ASSIGNMENT;
    END IF;
    -- INTEGER to BOOLEAN is built in, as an explicit cast only: made an assignment cast as well.
    UPDATE pg_catalog.pg_cast SET castcontext = 'a'
     WHERE castsource = 'integer'::regtype AND casttarget = 'boolean'::regtype AND castcontext = 'e';
END $casts$;

-- Redshift's string functions take numbers and times, converting them to text (SPLIT_PART(saletime, '-',
-- 1), REPEAT(smallint_column, 3)); PostgreSQL's take text only.  Overloads here for each number and time
-- type: an exact match of the argument's type, so a call on text still finds PostgreSQL's own function,
-- and a literal's unknown type still prefers text.  STABLE: a TIMESTAMPTZ's text depends on the time zone.
DO $overloads$
DECLARE
    call record;
    source_type text;
BEGIN
    FOR call IN SELECT * FROM (VALUES
        ('repeat', ', times integer', ', times', 'text'),
        ('split_part', ', delimiter text, part integer', ', delimiter, part', 'text'),
        ('left', ', n integer', ', n', 'text'),
        ('right', ', n integer', ', n', 'text'),
        ('substring', ', start_at integer', ', start_at', 'text'),
        ('substring', ', start_at integer, count integer', ', start_at, count', 'text'),
        ('substr', ', start_at integer', ', start_at', 'text'),
        ('substr', ', start_at integer, count integer', ', start_at, count', 'text'),
        ('upper', '', '', 'text'),
        ('lower', '', '', 'text'),
        ('initcap', '', '', 'text'),
        ('reverse', '', '', 'text'),
        ('btrim', '', '', 'text'),
        ('ltrim', '', '', 'text'),
        ('rtrim', '', '', 'text'),
        ('lpad', ', width integer, fill text', ', width, fill', 'text'),
        ('rpad', ', width integer, fill text', ', width, fill', 'text'),
        ('strpos', ', needle text', ', needle', 'integer'),
        ('replace', ', target text, replacement text', ', target, replacement', 'text'),
        ('length', '', '', 'integer'),
        ('char_length', '', '', 'integer'),
        ('octet_length', '', '', 'integer'),
        ('md5', '', '', 'text')
    ) AS calls (name, parameters, arguments, result)
    LOOP
        FOREACH source_type IN ARRAY ARRAY['smallint', 'integer', 'bigint', 'numeric', 'real',
                                           'double precision', 'date', 'timestamp', 'timestamptz', 'time']
        LOOP
            EXECUTE format(
                'CREATE OR REPLACE FUNCTION sparkify_redshift.%I(value %s%s) RETURNS %s '
                'LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $body$ SELECT pg_catalog.%I(value::text%s) $body$',
                call.name, source_type, call.parameters, call.result, call.name, call.arguments);
        END LOOP;
    END LOOP;
END $overloads$;

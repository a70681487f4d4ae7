-- Redshift's string, regular-expression and JSON functions.
-- A literal holding a backslash is an E'' literal: the function bodies are read under the calling session's
-- standard_conforming_strings, which the emulated sessions keep off, as Redshift does.

CREATE OR REPLACE FUNCTION sparkify_redshift.len(value text) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.length(value) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.len(value character) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.length(value) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.charindex(needle text, haystack text) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.strpos(haystack, needle) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.replicate(value text, times integer) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.repeat(value, times) $$;

-- CONCAT takes two arguments and is NULL when either is (PostgreSQL's skips NULLs).
CREATE OR REPLACE FUNCTION sparkify_redshift.concat(first_value text, second_value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT first_value || second_value $$;

-- STRTOL: leading white space, an optional sign, an optional 0x for base 16; digits up to the first
-- character that is not one of the base's.
CREATE OR REPLACE FUNCTION sparkify_redshift.strtol(value text, base integer) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    rest text := lower(ltrim(value, E' \t\n\r'));
    sign int := 1;
    total numeric := 0;
    digit int;
BEGIN
    IF base < 2 OR base > 36 THEN
        RAISE EXCEPTION 'Invalid base: %', base USING ERRCODE = '22023';
    END IF;
    IF left(rest, 1) IN ('+', '-') THEN
        sign := CASE left(rest, 1) WHEN '-' THEN -1 ELSE 1 END;
        rest := substr(rest, 2);
    END IF;
    IF base = 16 AND left(rest, 2) = '0x' THEN
        rest := substr(rest, 3);
    END IF;
    FOR i IN 1..length(rest) LOOP
        digit := strpos('0123456789abcdefghijklmnopqrstuvwxyz', substr(rest, i, 1)) - 1;
        EXIT WHEN digit < 0 OR digit >= base;
        total := total * base + digit;
    END LOOP;
    RETURN (sign * total)::bigint;
END $$;

-- Regular expressions: Redshift's parameters are c (case-sensitive), i (case-insensitive), e (return the
-- first subexpression) and p (PCRE; PostgreSQL's advanced expressions read the same look-aheads and classes).
CREATE OR REPLACE FUNCTION sparkify_redshift.regexp_flags(parameters text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN strpos(coalesce(parameters, ''), 'i') > 0 THEN 'i' ELSE 'c' END $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.regexp_subexpression(parameters text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN strpos(coalesce(parameters, ''), 'e') > 0 THEN 1 ELSE 0 END $$;

CREATE OR REPLACE FUNCTION sparkify_redshift.regexp_count(
    source text, pattern text, start_at integer DEFAULT 1, parameters text DEFAULT 'c'
) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN start_at > pg_catalog.length(source) THEN 0
        ELSE pg_catalog.regexp_count(source, pattern, greatest(start_at, 1),
                                     sparkify_redshift.regexp_flags(parameters)) END $$;

CREATE OR REPLACE FUNCTION sparkify_redshift.regexp_substr(
    source text, pattern text, start_at integer DEFAULT 1, occurrence integer DEFAULT 1,
    parameters text DEFAULT 'c'
) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN source IS NULL OR pattern IS NULL THEN NULL
        WHEN occurrence < 1 THEN NULL
        WHEN start_at > pg_catalog.length(source) THEN ''
        ELSE coalesce(pg_catalog.regexp_substr(
            source, pattern, greatest(start_at, 1), occurrence, sparkify_redshift.regexp_flags(parameters),
            least(sparkify_redshift.regexp_subexpression(parameters),
                  pg_catalog.regexp_count(pattern, E'\\((?!\\?)'))), '')
    END $$;

CREATE OR REPLACE FUNCTION sparkify_redshift.regexp_instr(
    source text, pattern text, start_at integer DEFAULT 1, occurrence integer DEFAULT 1,
    option integer DEFAULT 0, parameters text DEFAULT 'c'
) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN start_at > pg_catalog.length(source) THEN 0
        ELSE pg_catalog.regexp_instr(
            source, pattern, greatest(start_at, 1), occurrence, option, sparkify_redshift.regexp_flags(parameters),
            least(sparkify_redshift.regexp_subexpression(parameters),
                  pg_catalog.regexp_count(pattern, E'\\((?!\\?)')))
    END $$;

-- REGEXP_REPLACE replaces every match from the position on (PostgreSQL's only the first one).
CREATE OR REPLACE FUNCTION sparkify_redshift.regexp_replace(
    source text, pattern text, replacement text DEFAULT '', start_at integer DEFAULT 1,
    parameters text DEFAULT 'c'
) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN start_at > pg_catalog.length(source) THEN source
        ELSE pg_catalog.regexp_replace(source, pattern, replacement, greatest(start_at, 1), 0,
                                       sparkify_redshift.regexp_flags(parameters)) END $$;

-- JSON text functions: invalid JSON is an error unless null_if_invalid; a path or index that is not there
-- gives an empty string.
CREATE OR REPLACE FUNCTION sparkify_redshift.json_or_null(value text, null_if_invalid boolean) RETURNS json
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN value::json;
EXCEPTION WHEN invalid_text_representation THEN
    IF null_if_invalid THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'JSON parsing error' USING ERRCODE = '22P02', DETAIL = SQLERRM;
END $$;

CREATE OR REPLACE FUNCTION sparkify_redshift.json_path_text(value text, path text[], null_if_invalid boolean)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN parsed IS NULL THEN NULL
                WHEN parsed #> path IS NULL THEN ''
                ELSE parsed #>> path END
    FROM (SELECT sparkify_redshift.json_or_null(value, null_if_invalid) AS parsed) AS document $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.json_extract_path_text(value text, VARIADIC path text[])
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT sparkify_redshift.json_path_text(value, path, false) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.json_extract_path_text(value text, p1 text, null_if_invalid boolean)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT sparkify_redshift.json_path_text(value, ARRAY[p1], null_if_invalid) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.json_extract_path_text(
    value text, p1 text, p2 text, null_if_invalid boolean
) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT sparkify_redshift.json_path_text(value, ARRAY[p1, p2], null_if_invalid) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.json_extract_path_text(
    value text, p1 text, p2 text, p3 text, null_if_invalid boolean
) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT sparkify_redshift.json_path_text(value, ARRAY[p1, p2, p3], null_if_invalid) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.json_extract_path_text(
    value text, p1 text, p2 text, p3 text, p4 text, null_if_invalid boolean
) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT sparkify_redshift.json_path_text(value, ARRAY[p1, p2, p3, p4], null_if_invalid) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.json_extract_path_text(
    value text, p1 text, p2 text, p3 text, p4 text, p5 text, null_if_invalid boolean
) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT sparkify_redshift.json_path_text(value, ARRAY[p1, p2, p3, p4, p5], null_if_invalid) $$;

CREATE OR REPLACE FUNCTION sparkify_redshift.json_extract_array_element_text(
    value text, element integer, null_if_invalid boolean DEFAULT false
) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN parsed IS NULL THEN NULL
                WHEN element < 0 OR parsed -> element IS NULL THEN ''
                ELSE parsed ->> element END
    FROM (SELECT sparkify_redshift.json_or_null(value, null_if_invalid) AS parsed) AS document $$;

CREATE OR REPLACE FUNCTION sparkify_redshift.json_array_length(value text, null_if_invalid boolean DEFAULT false)
RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT pg_catalog.json_array_length(sparkify_redshift.json_or_null(value, null_if_invalid)) $$;

CREATE OR REPLACE FUNCTION sparkify_redshift.is_valid_json(value text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT value IS JSON OBJECT $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.is_valid_json_array(value text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT value IS JSON ARRAY $$;

-- SUPER is held as PostgreSQL's json, kept compact as Redshift prints it, keys in their written order.
CREATE OR REPLACE FUNCTION sparkify_redshift.json_serialize(value json) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    kind text := pg_catalog.json_typeof(value);
    result text;
BEGIN
    IF value IS NULL THEN
        RETURN 'null';  -- a NULL SUPER serializes as JSON's null
    ELSIF kind = 'object' THEN
        SELECT '{' || coalesce(string_agg(to_json(key)::text || ':' || sparkify_redshift.json_serialize(item),
                                          ',' ORDER BY ordinal), '') || '}'
          INTO result
          FROM json_each(value) WITH ORDINALITY AS members(key, item, ordinal);
        RETURN result;
    ELSIF kind = 'array' THEN
        SELECT '[' || coalesce(string_agg(sparkify_redshift.json_serialize(item), ',' ORDER BY ordinal), '') || ']'
          INTO result
          FROM json_array_elements(value) WITH ORDINALITY AS elements(item, ordinal);
        RETURN result;
    END IF;
    RETURN btrim(value::text);
END $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.json_parse(value text) RETURNS json
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT sparkify_redshift.json_serialize(sparkify_redshift.json_or_null(value, false))::json $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.json_typeof(value json) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.json_typeof(value) $$;

-- Hashes and checksums Redshift names its own way (SHA1 needs pgcrypto, which this build lacks).
CREATE OR REPLACE FUNCTION sparkify_redshift.sha2(value text, bits integer) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT encode(CASE bits
        WHEN 224 THEN pg_catalog.sha224(convert_to(value, 'UTF8'))
        WHEN 0 THEN pg_catalog.sha256(convert_to(value, 'UTF8'))
        WHEN 256 THEN pg_catalog.sha256(convert_to(value, 'UTF8'))
        WHEN 384 THEN pg_catalog.sha384(convert_to(value, 'UTF8'))
        WHEN 512 THEN pg_catalog.sha512(convert_to(value, 'UTF8'))
    END, 'hex') $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.crc32(value text) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.crc32(convert_to(value, 'UTF8')) $$;

CREATE OR REPLACE FUNCTION sparkify_redshift.can_json_parse(value text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT value IS JSON $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.len(value numeric) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.length(value::text) $$;

-- Numbers: Redshift's names for exp and logarithms, and ROUND/TRUNC of a DOUBLE PRECISION to n places.
CREATE OR REPLACE FUNCTION sparkify_redshift.dexp(value double precision) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.exp(value) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.dlog1(value double precision) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.ln(value) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.dlog10(value double precision) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.log(value) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.round(value double precision, places integer) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.round(value::numeric, places)::double precision $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.trunc(value double precision, places integer) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.trunc(value::numeric, places)::double precision $$;

-- SUPER (held as json): type tests, arrays.
CREATE OR REPLACE FUNCTION sparkify_redshift.is_array(value json) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT coalesce(pg_catalog.json_typeof(value) = 'array', false) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.is_object(value json) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT coalesce(pg_catalog.json_typeof(value) = 'object', false) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.is_scalar(value json) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT coalesce(pg_catalog.json_typeof(value) NOT IN ('array', 'object'), false) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.is_boolean(value json) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT coalesce(pg_catalog.json_typeof(value) = 'boolean', false) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.is_number(value json) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT coalesce(pg_catalog.json_typeof(value) = 'number', false) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.is_varchar(value json) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT coalesce(pg_catalog.json_typeof(value) = 'string', false) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.is_char(value json) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(pg_catalog.json_typeof(value) = 'string' AND pg_catalog.length(value #>> '{}') = 1, false) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.is_integer(value json) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN pg_catalog.json_typeof(value) = 'number' AND (value #>> '{}') ~ E'^-?\\d+$'
                THEN (value #>> '{}')::numeric BETWEEN -2147483648 AND 2147483647
                ELSE false END $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.is_bigint(value json) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN pg_catalog.json_typeof(value) = 'number' AND (value #>> '{}') ~ E'^-?\\d+$'
                THEN (value #>> '{}')::numeric BETWEEN -9223372036854775808 AND 9223372036854775807
                ELSE false END $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.is_float(value json) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(pg_catalog.json_typeof(value) = 'number' AND (value #>> '{}') !~ E'^-?\\d+$', false) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.get_array_length(value json) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN pg_catalog.json_typeof(value) = 'array' THEN pg_catalog.json_array_length(value) END $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.split_to_array(value text, delimiter text DEFAULT ',') RETURNS json
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT sparkify_redshift.json_serialize(pg_catalog.to_json(pg_catalog.string_to_array(value, delimiter)))::json $$;

-- MEDIAN as a plain aggregate, so that it also works as a window function (PostgreSQL's ordered-set
-- percentile_cont does not); NULLs are left out.
CREATE OR REPLACE FUNCTION sparkify_redshift.median_of(items numeric[]) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN n = 0 THEN NULL
                WHEN n % 2 = 1 THEN sorted[(n + 1) / 2]
                ELSE (sorted[n / 2] + sorted[n / 2 + 1]) / 2 END
    FROM (SELECT array_agg(item ORDER BY item) AS sorted, count(*)::int AS n
          FROM unnest(items) AS item WHERE item IS NOT NULL) AS ranked $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.median_of(items double precision[]) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN n = 0 THEN NULL
                WHEN n % 2 = 1 THEN sorted[(n + 1) / 2]
                ELSE (sorted[n / 2] + sorted[n / 2 + 1]) / 2 END
    FROM (SELECT array_agg(item ORDER BY item) AS sorted, count(*)::int AS n
          FROM unnest(items) AS item WHERE item IS NOT NULL) AS ranked $$;
DROP AGGREGATE IF EXISTS sparkify_redshift.median(numeric);
CREATE AGGREGATE sparkify_redshift.median(numeric) (
    SFUNC = array_append, STYPE = numeric[], FINALFUNC = sparkify_redshift.median_of, INITCOND = '{}'
);
DROP AGGREGATE IF EXISTS sparkify_redshift.median(double precision);
CREATE AGGREGATE sparkify_redshift.median(double precision) (
    SFUNC = array_append, STYPE = double precision[], FINALFUNC = sparkify_redshift.median_of, INITCOND = '{}'
);

-- PERCENTILE_CONT and PERCENTILE_DISC over a window (PostgreSQL has no ordered-set window aggregates): the
-- adapter hands them the partition's values, array_agg(…) OVER (PARTITION BY …); NULLs are left out.
CREATE OR REPLACE FUNCTION sparkify_redshift.percentile_cont_of(items numeric[], fraction numeric, descending boolean)
RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT sorted[floor(place)::int] + (place - floor(place)) * (sorted[ceil(place)::int] - sorted[floor(place)::int])
    FROM (SELECT sorted, 1 + fraction * (cardinality(sorted) - 1) AS place
          FROM (SELECT CASE WHEN descending THEN array_agg(item ORDER BY item DESC)
                            ELSE array_agg(item ORDER BY item) END AS sorted
                FROM unnest(items) AS item WHERE item IS NOT NULL) AS ordered) AS placed $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.percentile_cont_of(
    items double precision[], fraction double precision, descending boolean
) RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT sorted[floor(place)::int] + (place - floor(place)) * (sorted[ceil(place)::int] - sorted[floor(place)::int])
    FROM (SELECT sorted, 1 + fraction * (cardinality(sorted) - 1) AS place
          FROM (SELECT CASE WHEN descending THEN array_agg(item ORDER BY item DESC)
                            ELSE array_agg(item ORDER BY item) END AS sorted
                FROM unnest(items) AS item WHERE item IS NOT NULL) AS ordered) AS placed $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.percentile_disc_of(items anyarray, fraction double precision, descending boolean)
RETURNS anyelement LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT sorted[greatest(ceil(fraction * cardinality(sorted))::int, 1)]
    FROM (SELECT CASE WHEN descending THEN array_agg(item ORDER BY item DESC)
                      ELSE array_agg(item ORDER BY item) END AS sorted
          FROM unnest(items) AS item WHERE item IS NOT NULL) AS ordered $$;

-- OCTETINDEX: the byte position of the substring (CHARINDEX counts characters).
CREATE OR REPLACE FUNCTION sparkify_redshift.octetindex(needle text, haystack text) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN strpos(haystack, needle) = 0 THEN 0
                ELSE octet_length(left(haystack, strpos(haystack, needle) - 1)) + 1 END $$;

CREATE OR REPLACE FUNCTION sparkify_redshift.json_size(value json) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT octet_length(sparkify_redshift.json_serialize(value)) $$;
-- ARRAY(a, b, …) builds a SUPER array: the adapter calls this on json_build_array's result.
CREATE OR REPLACE FUNCTION sparkify_redshift.super_value(value json) RETURNS json
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT sparkify_redshift.json_serialize(value)::json $$;

-- SUPER arrays: ARRAY_CONCAT, SUBARRAY (0-based; a negative start counts from the end), ARRAY_FLATTEN (the
-- arrays among the elements merged in); built on the compact text, so elements keep their written form.
CREATE OR REPLACE FUNCTION sparkify_redshift.array_concat(first_array json, second_array json) RETURNS json
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN pg_catalog.json_typeof(first_array) <> 'array'
                  OR pg_catalog.json_typeof(second_array) <> 'array' THEN NULL
                WHEN first_text = '[]' THEN second_text
                WHEN second_text = '[]' THEN first_text
                ELSE left(first_text, -1) || ',' || substr(second_text, 2) END::json
    FROM (SELECT sparkify_redshift.json_serialize(first_array) AS first_text,
                 sparkify_redshift.json_serialize(second_array) AS second_text) AS texts $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.subarray(items json, start_position integer, length integer)
RETURNS json LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ('[' || coalesce(string_agg(sparkify_redshift.json_serialize(item), ',' ORDER BY ordinal), '') || ']')::json
    FROM json_array_elements(items) WITH ORDINALITY AS elements(item, ordinal),
         (SELECT CASE WHEN start_position < 0 THEN json_array_length(items) + start_position
                      ELSE start_position END AS first) AS bounds
    WHERE ordinal - 1 >= first AND ordinal - 1 < first + length $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.array_flatten(items json) RETURNS json
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ('[' || coalesce(string_agg(piece, ',' ORDER BY ordinal, inner_ordinal), '') || ']')::json
    FROM json_array_elements(items) WITH ORDINALITY AS elements(item, ordinal),
         LATERAL (SELECT sparkify_redshift.json_serialize(member), position
                  FROM json_array_elements(item) WITH ORDINALITY AS members(member, position)
                  WHERE pg_catalog.json_typeof(item) = 'array'
                  UNION ALL
                  SELECT sparkify_redshift.json_serialize(item), 0
                  WHERE pg_catalog.json_typeof(item) <> 'array') AS flat(piece, inner_ordinal) $$;

-- Scalars assigned to a SUPER column become SUPER scalars, as on Redshift.
CREATE OR REPLACE FUNCTION sparkify_redshift.super_from(value boolean) RETURNS json
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.to_json(value) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.super_from(value bigint) RETURNS json
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.to_json(value) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.super_from(value integer) RETURNS json
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.to_json(value) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.super_from(value numeric) RETURNS json
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.to_json(value) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.super_from(value double precision) RETURNS json
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.to_json(value) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.super_from(value character varying) RETURNS json
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.to_json(value) $$;
DO $$
DECLARE
    source text;
BEGIN
    FOREACH source IN ARRAY ARRAY['boolean', 'bigint', 'integer', 'numeric', 'double precision',
                                  'character varying'] LOOP
        BEGIN
            EXECUTE format('CREATE CAST (%s AS json) WITH FUNCTION sparkify_redshift.super_from(%s) AS ASSIGNMENT',
                           source, source);
        EXCEPTION WHEN duplicate_object OR insufficient_privilege THEN
            NULL;  -- there already, or a database owner who is not a superuser: SUPER takes JSON only
        END;
    END LOOP;
END $$;

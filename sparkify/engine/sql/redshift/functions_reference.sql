-- The rest of the guide's function reference that PostgreSQL can answer (FNV_HASH, MURMUR3_32_HASH, CHECKSUM,
-- HLL, the SUPER number tests, JSON_SERIALIZE_TO_VARBYTE, TEXT_TO_INT_ALT, TEXT_TO_NUMERIC_ALT, PG_GET_COLS,
-- ROLE_IS_MEMBER_OF, USER_IS_MEMBER_OF, CURRENT_NAMESPACE, DEFAULT_IAM_ROLE, the IAM role lookups), and a
-- refusal saying why for the ones that have nothing to act on locally.

-- FNV_HASH: 64-bit FNV-1a of the value's bytes as Redshift lays them out (integers little-endian in their own
-- width, strings in UTF-8); the seed is the hash so far (FNV's offset basis by default), so hashes chain.
CREATE OR REPLACE FUNCTION sparkify_redshift.fnv_bytes(data bytea, seed bigint) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    hash numeric := CASE WHEN seed < 0 THEN seed + 18446744073709551616 ELSE seed END;
    low integer;
BEGIN
    FOR i IN 0 .. length(data) - 1 LOOP
        low := (hash % 256)::integer;
        hash := ((hash - low + (low # get_byte(data, i))) * 1099511628211) % 18446744073709551616;
    END LOOP;
    RETURN (CASE WHEN hash >= 9223372036854775808 THEN hash - 18446744073709551616 ELSE hash END)::bigint;
END $$;
-- The bytes of a big-endian send() result in little-endian order.
CREATE OR REPLACE FUNCTION sparkify_redshift.little_endian(data bytea) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT coalesce(string_agg(substring(data FROM i FOR 1), ''::bytea ORDER BY i DESC), ''::bytea)
      FROM pg_catalog.generate_series(1, length(data)) AS i $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.fnv_hash(value smallint, seed bigint DEFAULT -3750763034362895579)
RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
    SELECT sparkify_redshift.fnv_bytes(sparkify_redshift.little_endian(int2send(value)), seed) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.fnv_hash(value integer, seed bigint DEFAULT -3750763034362895579)
RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
    SELECT sparkify_redshift.fnv_bytes(sparkify_redshift.little_endian(int4send(value)), seed) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.fnv_hash(value bigint, seed bigint DEFAULT -3750763034362895579)
RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
    SELECT sparkify_redshift.fnv_bytes(sparkify_redshift.little_endian(int8send(value)), seed) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.fnv_hash(value double precision, seed bigint DEFAULT -3750763034362895579)
RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
    SELECT sparkify_redshift.fnv_bytes(sparkify_redshift.little_endian(float8send(value)), seed) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.fnv_hash(value boolean, seed bigint DEFAULT -3750763034362895579)
RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
    SELECT sparkify_redshift.fnv_bytes(boolsend(value), seed) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.fnv_hash(value date, seed bigint DEFAULT -3750763034362895579)
RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
    SELECT sparkify_redshift.fnv_bytes(sparkify_redshift.little_endian(date_send(value)), seed) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.fnv_hash(value timestamp, seed bigint DEFAULT -3750763034362895579)
RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
    SELECT sparkify_redshift.fnv_bytes(sparkify_redshift.little_endian(timestamp_send(value)), seed) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.fnv_hash(value text, seed bigint DEFAULT -3750763034362895579)
RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
    SELECT sparkify_redshift.fnv_bytes(pg_catalog.convert_to(value, 'UTF8'), seed) $$;

-- MURMUR3_32_HASH: Murmur3 x86 32-bit of the value's bytes as Apache Iceberg's bucket spec lays them out
-- (integers and dates as 8-byte little-endian longs, strings in UTF-8); the seed is 0 by default.  32-bit
-- arithmetic on bigints: a product is taken in 16-bit halves so that it never leaves a bigint.
CREATE OR REPLACE FUNCTION sparkify_redshift.mul32(a bigint, b bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT ((a * (b & 65535)) + (((a * (b >> 16)) & 65535) << 16)) & 4294967295 $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.rotl32(x bigint, r integer) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT ((x << r) | (x >> (32 - r))) & 4294967295 $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.murmur3_block(k bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT sparkify_redshift.mul32(sparkify_redshift.rotl32(sparkify_redshift.mul32(k, 3432918353), 15), 461845907) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.murmur3_bytes(data bytea, seed integer) RETURNS integer
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    hash bigint := seed::bigint & 4294967295;
    size integer := length(data);
    whole integer := length(data) / 4 * 4;
    k bigint := 0;
BEGIN
    FOR i IN 0 .. whole - 4 BY 4 LOOP
        k := get_byte(data, i)::bigint | (get_byte(data, i + 1)::bigint << 8)
             | (get_byte(data, i + 2)::bigint << 16) | (get_byte(data, i + 3)::bigint << 24);
        hash := (sparkify_redshift.rotl32(hash # sparkify_redshift.murmur3_block(k), 13) * 5 + 3864292196) & 4294967295;
    END LOOP;
    k := 0;
    FOR i IN whole .. size - 1 LOOP
        k := k | (get_byte(data, i)::bigint << (8 * (i - whole)));
    END LOOP;
    IF size > whole THEN
        hash := hash # sparkify_redshift.murmur3_block(k);
    END IF;
    hash := hash # size;
    hash := sparkify_redshift.mul32(hash # (hash >> 16), 2246822507);
    hash := sparkify_redshift.mul32(hash # (hash >> 13), 3266489909);
    hash := hash # (hash >> 16);
    RETURN (CASE WHEN hash >= 2147483648 THEN hash - 4294967296 ELSE hash END)::integer;
END $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.murmur3_32_hash(value bigint, seed integer DEFAULT 0) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
    SELECT sparkify_redshift.murmur3_bytes(sparkify_redshift.little_endian(int8send(value)), seed) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.murmur3_32_hash(value integer, seed integer DEFAULT 0) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$ SELECT sparkify_redshift.murmur3_32_hash(value::bigint, seed) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.murmur3_32_hash(value smallint, seed integer DEFAULT 0) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$ SELECT sparkify_redshift.murmur3_32_hash(value::bigint, seed) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.murmur3_32_hash(value double precision, seed integer DEFAULT 0)
RETURNS integer LANGUAGE sql IMMUTABLE AS $$
    SELECT sparkify_redshift.murmur3_bytes(sparkify_redshift.little_endian(float8send(value)), seed) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.murmur3_32_hash(value date, seed integer DEFAULT 0) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$ SELECT sparkify_redshift.murmur3_32_hash((value - date '1970-01-01')::bigint, seed) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.murmur3_32_hash(value text, seed integer DEFAULT 0) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$ SELECT sparkify_redshift.murmur3_bytes(pg_catalog.convert_to(value, 'UTF8'), seed) $$;

-- CHECKSUM: a number's unscaled digits (a DECIMAL(8,2) 109.20 is 10920, as the guide's example shows);
-- a string's PostgreSQL hash.
CREATE OR REPLACE FUNCTION sparkify_redshift.checksum(value numeric) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT (value * power(10::numeric, scale(value)))::bigint $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.checksum(value bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT value $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.checksum(value integer) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT value::bigint $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.checksum(value text) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT hashtext(value)::bigint $$;

-- HLL: the number of distinct values, counted exactly (as APPROXIMATE COUNT(DISTINCT …) is here).
CREATE OR REPLACE FUNCTION sparkify_redshift.distinct_count(values_seen anyarray) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$ SELECT count(DISTINCT value) FROM unnest(values_seen) AS value $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.with_value(values_seen anyarray, value anyelement) RETURNS anyarray
LANGUAGE sql IMMUTABLE AS $$ SELECT values_seen || value $$;
DROP AGGREGATE IF EXISTS sparkify_redshift.hll(anyelement);
CREATE AGGREGATE sparkify_redshift.hll(anyelement) (
    SFUNC = sparkify_redshift.with_value, STYPE = anyarray, FINALFUNC = sparkify_redshift.distinct_count, INITCOND = '{}'
);

-- SUPER numbers (held as json): a DECIMAL is a number written with a point, a SMALLINT an integer in range.
CREATE OR REPLACE FUNCTION sparkify_redshift.is_decimal(value json) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT json_typeof(value) = 'number' AND value::text LIKE '%.%' AND value::text NOT ILIKE '%e%' $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.is_smallint(value json) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT json_typeof(value) = 'number' AND value::text NOT LIKE '%.%' AND value::text NOT ILIKE '%e%'
       AND value::text::numeric BETWEEN -32768 AND 32767 $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.decimal_precision(value json) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT CASE WHEN sparkify_redshift.is_decimal(value)
                THEN greatest(length(ltrim(replace(ltrim(value::text, '-'), '.', ''), '0')),
                              scale(value::text::numeric)) END $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.decimal_scale(value json) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT CASE WHEN sparkify_redshift.is_decimal(value) THEN scale(value::text::numeric) END $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.json_serialize_to_varbyte(value json) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT pg_catalog.convert_to(value::text, 'UTF8') $$;

-- TEXT_TO_INT_ALT, TEXT_TO_NUMERIC_ALT: Teradata's reading of a number, a sign before or after the digits,
-- an exponent truncated to a whole number.
CREATE OR REPLACE FUNCTION sparkify_redshift.signed_number(value text) RETURNS numeric
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT CASE WHEN right(btrim(value), 1) IN ('-', '+')
                THEN (right(btrim(value), 1) || left(btrim(value), -1))::numeric
                ELSE btrim(value)::numeric END $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.text_to_int_alt(value text) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT trunc(sparkify_redshift.signed_number(value))::integer $$;
-- Rounded to ``scale`` digits (0 by default) half to even, as the guide's 1.5 (2) and 2.51 (3) show.
CREATE OR REPLACE FUNCTION sparkify_redshift.text_to_numeric_alt(value text, digits integer, scale integer)
RETURNS numeric LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT round((CASE WHEN abs(shifted - trunc(shifted)) > 0.5 THEN trunc(shifted) + sign(shifted)
                       WHEN abs(shifted - trunc(shifted)) < 0.5 THEN trunc(shifted)
                       ELSE trunc(shifted) + (abs(trunc(shifted)) % 2) * sign(shifted) END)
                 / power(10::numeric, scale), scale)
      FROM (SELECT sparkify_redshift.signed_number(value) * power(10::numeric, scale) AS shifted) AS number $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.text_to_numeric_alt(value text) RETURNS numeric
LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT sparkify_redshift.text_to_numeric_alt(value, 38, 0) $$;

-- PG_GET_COLS: a view's (or table's) columns, as records (the caller names their columns, as on Redshift).
CREATE OR REPLACE FUNCTION sparkify_redshift.pg_get_cols(relation text) RETURNS SETOF record
LANGUAGE sql STABLE STRICT AS $$
    SELECT n.nspname, c.relname, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod)::varchar,
           a.attnum::integer
      FROM pg_catalog.pg_attribute a
      JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE a.attrelid = relation::regclass AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY a.attnum $$;

-- Role membership, directly or through other roles; false for a name that is no role.
CREATE OR REPLACE FUNCTION sparkify_redshift.role_is_member_of(role_name text, granted_role text) RETURNS boolean
LANGUAGE sql STABLE STRICT AS $$
    SELECT coalesce((SELECT pg_catalog.pg_has_role(r.oid, g.oid, 'MEMBER')
                       FROM pg_catalog.pg_roles r, pg_catalog.pg_roles g
                      WHERE r.rolname = role_name AND g.rolname = granted_role AND r.oid <> g.oid), false) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.user_is_member_of(user_name text, role_or_group text) RETURNS boolean
LANGUAGE sql STABLE STRICT AS $$ SELECT sparkify_redshift.role_is_member_of(user_name, role_or_group) $$;

-- CURRENT_NAMESPACE: the local cluster's identity, as a GUID made of the embedded server's system identifier.
CREATE OR REPLACE FUNCTION sparkify_redshift.current_namespace() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
    SELECT substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-' || substr(h, 13, 4) || '-' || substr(h, 17, 4)
           || '-' || substr(h, 21, 12)
      FROM (SELECT lpad(to_hex(system_identifier), 32, '0') AS h FROM pg_catalog.pg_control_system()) AS id $$;
-- No IAM role is the local cluster's default, and none is granted to a user: NULL and no rows.
CREATE OR REPLACE FUNCTION sparkify_redshift.default_iam_role() RETURNS text
LANGUAGE sql STABLE AS $$ SELECT NULL::text $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.pg_get_iam_role_by_user(user_name text) RETURNS SETOF record
LANGUAGE sql STABLE AS $$ SELECT NULL::text, NULL::text, NULL::text WHERE false $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.pg_get_grantee_by_iam_role(iam_role_arn text) RETURNS SETOF record
LANGUAGE sql STABLE AS $$ SELECT NULL::text, NULL::text, NULL::text WHERE false $$;

-- What the local engine has nothing to act on: one line saying so.
CREATE OR REPLACE FUNCTION sparkify_redshift.not_local(feature text, reason text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is not supported by the local engine: %', feature, reason USING ERRCODE = '0A000';
END $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.reboot_cluster() RETURNS text LANGUAGE sql AS $$
    SELECT sparkify_redshift.not_local('REBOOT_CLUSTER', 'the embedded server is restarted with sparkify.embedded') $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.current_aws_account() RETURNS text LANGUAGE sql AS $$
    SELECT sparkify_redshift.not_local('CURRENT_AWS_ACCOUNT', 'the local cluster belongs to no AWS account') $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.has_assumerole_privilege(user_name text, iam_role_arn text, cmd text)
RETURNS boolean LANGUAGE sql AS $$
    SELECT sparkify_redshift.not_local('HAS_ASSUMEROLE_PRIVILEGE', 'the local cluster assumes no IAM role')::boolean $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.change_query_priority(query_id integer, priority text) RETURNS text
LANGUAGE sql AS $$ SELECT sparkify_redshift.not_local('CHANGE_QUERY_PRIORITY', 'it has no workload management queues') $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.change_session_priority(pid integer, priority text) RETURNS text
LANGUAGE sql AS $$ SELECT sparkify_redshift.not_local('CHANGE_SESSION_PRIORITY', 'it has no workload management queues') $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.change_user_priority(user_name text, priority text) RETURNS text
LANGUAGE sql AS $$ SELECT sparkify_redshift.not_local('CHANGE_USER_PRIORITY', 'it has no workload management queues') $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.size(value json) RETURNS integer LANGUAGE sql AS $$
    SELECT sparkify_redshift.not_local('SIZE', 'SUPER is held as json, not in Redshift''s binary form')::integer $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.hll_create_sketch(value anyelement) RETURNS text LANGUAGE sql AS $$
    SELECT sparkify_redshift.not_local('HLL_CREATE_SKETCH', 'it has no HLLSKETCH type') $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.hll_cardinality(sketch anyelement) RETURNS bigint LANGUAGE sql AS $$
    SELECT sparkify_redshift.not_local('HLL_CARDINALITY', 'it has no HLLSKETCH type')::bigint $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.hll_combine(sketch anyelement) RETURNS text LANGUAGE sql AS $$
    SELECT sparkify_redshift.not_local('HLL_COMBINE', 'it has no HLLSKETCH type') $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.hll_combine_sketches(sketch anyelement, other anyelement)
RETURNS text LANGUAGE sql AS $$
    SELECT sparkify_redshift.not_local('HLL_COMBINE_SKETCHES', 'it has no HLLSKETCH type') $$;

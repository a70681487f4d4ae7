-- SHA1, SHA and FUNC_SHA1: this build has no pgcrypto and PostgreSQL has sha224 … sha512 but no sha1, so
-- SHA-1 (FIPS 180-4) is computed here over the string's UTF-8 bytes, in 32-bit words held in bigints.
-- No backslash in any literal: the sessions run with standard_conforming_strings off.
CREATE OR REPLACE FUNCTION sparkify_redshift.sha1_digest(message bytea) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    mask CONSTANT bigint := 4294967295;
    padded bytea;
    w bigint[];
    h bigint[] := ARRAY[1732584193, 4023233417, 2562383102, 271733878, 3285377520]::bigint[];
    a bigint; b bigint; c bigint; d bigint; e bigint; f bigint; k bigint; t bigint;
    base integer;
BEGIN
    padded := message || decode('80', 'hex')
        || decode(repeat('00', ((55 - octet_length(message)) % 64 + 64) % 64), 'hex')
        || decode(lpad(to_hex(octet_length(message)::bigint * 8), 16, '0'), 'hex');
    FOR chunk IN 0 .. octet_length(padded) / 64 - 1 LOOP
        w := '{}';
        FOR i IN 0 .. 15 LOOP
            base := chunk * 64 + i * 4;
            w[i + 1] := (get_byte(padded, base)::bigint << 24) | (get_byte(padded, base + 1)::bigint << 16)
                | (get_byte(padded, base + 2)::bigint << 8) | get_byte(padded, base + 3)::bigint;
        END LOOP;
        FOR i IN 16 .. 79 LOOP
            t := w[i - 2] # w[i - 7] # w[i - 13] # w[i - 15];
            w[i + 1] := ((t << 1) | (t >> 31)) & mask;
        END LOOP;
        a := h[1]; b := h[2]; c := h[3]; d := h[4]; e := h[5];
        FOR i IN 0 .. 79 LOOP
            IF i < 20 THEN f := (b & c) | ((~b) & d); k := 1518500249;
            ELSIF i < 40 THEN f := b # c # d; k := 1859775393;
            ELSIF i < 60 THEN f := (b & c) | (b & d) | (c & d); k := 2400959708;
            ELSE f := b # c # d; k := 3395469782;
            END IF;
            t := ((((a << 5) | (a >> 27)) & mask) + f + e + k + w[i + 1]) & mask;
            e := d; d := c; c := ((b << 30) | (b >> 2)) & mask; b := a; a := t;
        END LOOP;
        h[1] := (h[1] + a) & mask; h[2] := (h[2] + b) & mask; h[3] := (h[3] + c) & mask;
        h[4] := (h[4] + d) & mask; h[5] := (h[5] + e) & mask;
    END LOOP;
    RETURN decode(lpad(to_hex(h[1]), 8, '0') || lpad(to_hex(h[2]), 8, '0') || lpad(to_hex(h[3]), 8, '0')
        || lpad(to_hex(h[4]), 8, '0') || lpad(to_hex(h[5]), 8, '0'), 'hex');
END $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.sha1(value text) RETURNS varchar(40)
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT encode(sparkify_redshift.sha1_digest(convert_to(value, 'UTF8')), 'hex') $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.func_sha1(value text) RETURNS varchar(40)
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT sparkify_redshift.sha1(value) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.sha(value text) RETURNS varchar(40)
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT sparkify_redshift.sha1(value) $$;

-- VARBYTE (held as bytea): FROM_HEX, TO_VARBYTE, FROM_VARBYTE in 'hex', 'binary' and 'utf8', and GETBIT,
-- whose index counts from the value's last, least significant bit.
CREATE OR REPLACE FUNCTION sparkify_redshift.from_hex(value text) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT decode(CASE WHEN length(value) % 2 = 1 THEN '0' || value ELSE value END, 'hex') $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.to_varbyte(value text, format text) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE lower(format)
        WHEN 'hex' THEN sparkify_redshift.from_hex(value)
        WHEN 'binary' THEN (
            SELECT decode(string_agg(lpad(to_hex(substr(p.bits, i * 8 + 1, 8)::bit(8)::integer), 2, '0'), ''
                                     ORDER BY i), 'hex')
            FROM (SELECT lpad(value, ((length(value) + 7) / 8) * 8, '0') AS bits) AS p,
                 generate_series(0, length(p.bits) / 8 - 1) AS i)
        WHEN 'utf8' THEN convert_to(value, 'UTF8')
        WHEN 'utf-8' THEN convert_to(value, 'UTF8')
    END $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.from_varbyte(value bytea, format text) RETURNS varchar
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE lower(format)
        WHEN 'hex' THEN encode(value, 'hex')
        WHEN 'binary' THEN (SELECT string_agg(get_byte(value, i)::bit(8)::text, '' ORDER BY i)
                            FROM generate_series(0, length(value) - 1) AS i)
        WHEN 'utf8' THEN convert_from(value, 'UTF8')
        WHEN 'utf-8' THEN convert_from(value, 'UTF8')
    END $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.getbit(value bytea, index integer) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT get_bit(value, (length(value) - 1 - index / 8) * 8 + index % 8) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.slice_num() RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT 0 $$;

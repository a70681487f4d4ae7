-- Names of 64 to 127 bytes (sparkify/engine/sql/redshift/long_names.py): PostgreSQL holds each under its
-- stored name, its real name recorded here by the CREATE or ALTER that named it.
CREATE TABLE IF NOT EXISTS sparkify_redshift.long_names (
    stored_name name PRIMARY KEY,
    real_name   text NOT NULL
);
GRANT SELECT ON sparkify_redshift.long_names TO PUBLIC;
CREATE OR REPLACE FUNCTION sparkify_redshift.remember_long_names(stored_names text[], real_names text[]) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO sparkify_redshift.long_names SELECT * FROM unnest(stored_names::name[], real_names)
        ON CONFLICT (stored_name) DO NOTHING $$;
-- The name a client reads for a name PostgreSQL holds: a stored name's real one (a stored name is at least
-- 47 bytes of its real name, a ~ and 12 hex digits), else the name itself.
CREATE OR REPLACE FUNCTION sparkify_redshift.real_name(held name) RETURNS varchar
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN octet_length(held) < 60 THEN held::varchar
                ELSE coalesce((SELECT l.real_name FROM sparkify_redshift.long_names l WHERE l.stored_name = held),
                              held)::varchar END $$;
-- The name PostgreSQL holds for a name a client writes (long_names.py's stored_name): a name past 63 bytes
-- is its first 50 bytes, a ~ and 12 hex digits of the SHA-256 of its first 127 bytes.
CREATE OR REPLACE FUNCTION sparkify_redshift.stored_name(written text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    kept text := written;
    prefix text;
BEGIN
    IF written IS NULL OR octet_length(written) <= 63 THEN
        RETURN written;
    END IF;
    WHILE octet_length(kept) > 127 LOOP
        kept := left(kept, -1);
    END LOOP;
    IF octet_length(kept) <= 63 THEN
        RETURN kept;
    END IF;
    prefix := left(kept, 50);
    WHILE octet_length(prefix) > 50 LOOP
        prefix := left(prefix, -1);
    END LOOP;
    RETURN prefix || '~' || left(encode(sha256(convert_to(kept, 'UTF8')), 'hex'), 12);
END $$;

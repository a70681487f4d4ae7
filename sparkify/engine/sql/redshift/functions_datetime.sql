-- Redshift's date and time functions, with Redshift's answers where they differ from PostgreSQL's.
-- Installed into the schema sparkify_redshift by sparkify.engine.sql.redshift.shims; the adapter routes calls here.
-- A literal holding a backslash is an E'' literal: the function bodies are read under the calling session's
-- standard_conforming_strings, which the emulated sessions keep off, as Redshift does.

CREATE OR REPLACE FUNCTION sparkify_redshift.datepart_name(part text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    p text := lower(btrim(part));
    canonical text;
BEGIN
    canonical := CASE
        WHEN p IN ('millennium', 'millennia', 'mil', 'mils') THEN 'millennium'
        WHEN p IN ('century', 'centuries', 'c', 'cent', 'cents') THEN 'century'
        WHEN p IN ('decade', 'decades', 'dec', 'decs') THEN 'decade'
        WHEN p = 'epoch' THEN 'epoch'
        WHEN p IN ('year', 'years', 'y', 'yr', 'yrs') THEN 'year'
        WHEN p IN ('quarter', 'quarters', 'qtr', 'qtrs') THEN 'quarter'
        WHEN p IN ('month', 'months', 'mon', 'mons') THEN 'month'
        WHEN p IN ('week', 'weeks', 'w') THEN 'week'
        WHEN p IN ('dayofweek', 'dow', 'dw', 'weekday') THEN 'dow'
        WHEN p IN ('dayofyear', 'doy', 'dy', 'yearday') THEN 'doy'
        WHEN p IN ('day', 'days', 'd') THEN 'day'
        WHEN p IN ('hour', 'hours', 'h', 'hr', 'hrs') THEN 'hour'
        WHEN p IN ('minute', 'minutes', 'm', 'min', 'mins') THEN 'minute'
        WHEN p IN ('second', 'seconds', 's', 'sec', 'secs') THEN 'second'
        WHEN p IN ('millisecond', 'milliseconds', 'ms', 'msec', 'msecs', 'msecond', 'mseconds',
                   'millisec', 'millisecs', 'millisecon') THEN 'millisecond'
        WHEN p IN ('microsecond', 'microseconds', 'microsec', 'microsecs', 'usecond', 'useconds',
                   'us', 'usec', 'usecs') THEN 'microsecond'
        WHEN p IN ('timezone', 'timezone_hour', 'timezone_minute') THEN p
    END;
    IF canonical IS NULL THEN
        RAISE EXCEPTION 'Invalid datepart "%"', part USING ERRCODE = '22023';
    END IF;
    RETURN canonical;
END $$;

-- EXTRACT: the integer value of the one part, higher and lower parts left out (sec 3.189717 -> 3,
-- ms -> 189, us -> 717); DECADE counts from year 1 (2000 is in decade 201).
CREATE OR REPLACE FUNCTION sparkify_redshift.extract_part(part text, value anyelement) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE sparkify_redshift.datepart_name(part)
        WHEN 'second' THEN floor(pg_catalog.date_part('second', value))::bigint
        WHEN 'millisecond' THEN (floor(pg_catalog.date_part('microseconds', value) / 1000))::bigint % 1000
        WHEN 'microsecond' THEN pg_catalog.date_part('microseconds', value)::bigint % 1000
        WHEN 'decade' THEN floor(pg_catalog.date_part('year', value) / 10)::bigint + 1
        ELSE floor(pg_catalog.date_part(sparkify_redshift.datepart_name(part), value))::bigint
    END
$$;

CREATE OR REPLACE FUNCTION sparkify_redshift.extract_part(part text, value timestamp) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE sparkify_redshift.datepart_name(part)
        WHEN 'second' THEN floor(pg_catalog.date_part('second', value))::bigint
        WHEN 'millisecond' THEN (floor(pg_catalog.date_part('microseconds', value) / 1000))::bigint % 1000
        WHEN 'microsecond' THEN pg_catalog.date_part('microseconds', value)::bigint % 1000
        WHEN 'decade' THEN floor(pg_catalog.date_part('year', value) / 10)::bigint + 1
        ELSE floor(pg_catalog.date_part(sparkify_redshift.datepart_name(part), value))::bigint
    END
$$;
CREATE OR REPLACE FUNCTION sparkify_redshift.extract_part(part text, value date) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT sparkify_redshift.extract_part(part, value::timestamp) $$;

CREATE OR REPLACE FUNCTION sparkify_redshift.extract_part(part text, value timestamptz) RETURNS double precision
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE sparkify_redshift.datepart_name(part)
        WHEN 'second' THEN floor(pg_catalog.date_part('second', value))
        WHEN 'millisecond' THEN floor(pg_catalog.date_part('microseconds', value) / 1000)::bigint % 1000
        WHEN 'microsecond' THEN pg_catalog.date_part('microseconds', value)::bigint % 1000
        WHEN 'decade' THEN floor(pg_catalog.date_part('year', value) / 10) + 1
        ELSE floor(pg_catalog.date_part(sparkify_redshift.datepart_name(part), value))
    END
$$;

-- DATE_PART: PostgreSQL's answer (seconds with their fraction), Redshift's part names and DECADE.
CREATE OR REPLACE FUNCTION sparkify_redshift.date_part(part text, value timestamp) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE sparkify_redshift.datepart_name(part)
        WHEN 'decade' THEN floor(pg_catalog.date_part('year', value) / 10) + 1
        ELSE pg_catalog.date_part(sparkify_redshift.datepart_name(part), value)
    END
$$;
CREATE OR REPLACE FUNCTION sparkify_redshift.date_part(part text, value timestamptz) RETURNS double precision
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE sparkify_redshift.datepart_name(part)
        WHEN 'decade' THEN floor(pg_catalog.date_part('year', value) / 10) + 1
        ELSE pg_catalog.date_part(sparkify_redshift.datepart_name(part), value)
    END
$$;
CREATE OR REPLACE FUNCTION sparkify_redshift.date_part(part text, value date) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT sparkify_redshift.date_part(part, value::timestamp) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.date_part(part text, value time) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT pg_catalog.date_part(sparkify_redshift.datepart_name(part), value) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.date_part(part text, value timetz) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT pg_catalog.date_part(sparkify_redshift.datepart_name(part), value) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.date_part(part text, value text) RETURNS double precision
LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT sparkify_redshift.date_part(part, value::timestamp) $$;

-- DATE_TRUNC: a DATE gives a TIMESTAMP (PostgreSQL would make it a TIMESTAMPTZ).
CREATE OR REPLACE FUNCTION sparkify_redshift.date_trunc(part text, value timestamp) RETURNS timestamp
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT pg_catalog.date_trunc(sparkify_redshift.datepart_name(part), value) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.date_trunc(part text, value timestamptz) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT pg_catalog.date_trunc(sparkify_redshift.datepart_name(part), value) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.date_trunc(part text, value date) RETURNS timestamp
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT pg_catalog.date_trunc(sparkify_redshift.datepart_name(part), value::timestamp) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.date_trunc(part text, value text) RETURNS timestamp
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT pg_catalog.date_trunc(sparkify_redshift.datepart_name(part), value::timestamp) $$;

-- DATEADD: YEAR keeps the day number and lets it overflow (2016-02-29 + 1 year = 2017-03-01), MONTH and
-- QUARTER clamp to the month's end as PostgreSQL's interval arithmetic does.
CREATE OR REPLACE FUNCTION sparkify_redshift.dateadd(part text, amount bigint, value timestamp)
RETURNS timestamp LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE sparkify_redshift.datepart_name(part)
        WHEN 'millennium' THEN sparkify_redshift.add_years(value, amount * 1000)
        WHEN 'century' THEN sparkify_redshift.add_years(value, amount * 100)
        WHEN 'decade' THEN sparkify_redshift.add_years(value, amount * 10)
        WHEN 'year' THEN sparkify_redshift.add_years(value, amount)
        WHEN 'quarter' THEN value + make_interval(months => (amount * 3)::int)
        WHEN 'month' THEN value + make_interval(months => amount::int)
        WHEN 'week' THEN value + make_interval(days => (amount * 7)::int)
        WHEN 'day' THEN value + make_interval(days => amount::int)
        WHEN 'dow' THEN value + make_interval(days => amount::int)
        WHEN 'doy' THEN value + make_interval(days => amount::int)
        WHEN 'hour' THEN value + amount * interval '1 hour'
        WHEN 'minute' THEN value + amount * interval '1 minute'
        WHEN 'second' THEN value + amount * interval '1 second'
        WHEN 'millisecond' THEN value + amount * interval '1 millisecond'
        WHEN 'microsecond' THEN value + amount * interval '1 microsecond'
        ELSE sparkify_redshift.unsupported_datepart('dateadd', part)::timestamp
    END
$$;
CREATE OR REPLACE FUNCTION sparkify_redshift.add_years(value timestamp, years bigint) RETURNS timestamp
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT pg_catalog.date_trunc('month', value) + make_interval(years => years::int)
           + (value - pg_catalog.date_trunc('month', value))
$$;
CREATE OR REPLACE FUNCTION sparkify_redshift.unsupported_datepart(function_name text, part text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RAISE EXCEPTION '% does not support datepart "%"', function_name, part USING ERRCODE = '0A000';
END $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.dateadd(part text, amount bigint, value date) RETURNS timestamp
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT sparkify_redshift.dateadd(part, amount, value::timestamp) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.dateadd(part text, amount bigint, value text) RETURNS timestamp
LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT sparkify_redshift.dateadd(part, amount, value::timestamp) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.dateadd(part text, amount bigint, value timestamptz)
RETURNS timestamptz LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT sparkify_redshift.dateadd(part, amount, value AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.dateadd(part text, amount bigint, value time) RETURNS time
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (sparkify_redshift.dateadd(part, amount, '2000-01-01'::date + value))::time $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.dateadd(part text, amount bigint, value timetz) RETURNS timetz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (sparkify_redshift.dateadd(part, amount, (value AT TIME ZONE 'UTC')::time))::timetz
           AT TIME ZONE 'UTC' $$;

-- DATEDIFF: the number of the part's boundaries crossed from the first value to the second.
CREATE OR REPLACE FUNCTION sparkify_redshift.datediff(part text, first_value timestamp, second_value timestamp)
RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE sparkify_redshift.datepart_name(part)
        WHEN 'millennium' THEN sparkify_redshift.extract_part('millennium', second_value)
                             - sparkify_redshift.extract_part('millennium', first_value)
        WHEN 'century' THEN sparkify_redshift.extract_part('century', second_value)
                          - sparkify_redshift.extract_part('century', first_value)
        WHEN 'decade' THEN sparkify_redshift.extract_part('decade', second_value)
                         - sparkify_redshift.extract_part('decade', first_value)
        WHEN 'year' THEN sparkify_redshift.extract_part('year', second_value)
                       - sparkify_redshift.extract_part('year', first_value)
        WHEN 'quarter' THEN (sparkify_redshift.extract_part('year', second_value) * 4
                             + sparkify_redshift.extract_part('quarter', second_value))
                          - (sparkify_redshift.extract_part('year', first_value) * 4
                             + sparkify_redshift.extract_part('quarter', first_value))
        WHEN 'month' THEN (sparkify_redshift.extract_part('year', second_value) * 12
                           + sparkify_redshift.extract_part('month', second_value))
                        - (sparkify_redshift.extract_part('year', first_value) * 12
                           + sparkify_redshift.extract_part('month', first_value))
        WHEN 'week' THEN (pg_catalog.date_trunc('week', second_value)::date
                          - pg_catalog.date_trunc('week', first_value)::date) / 7
        WHEN 'day' THEN second_value::date - first_value::date
        WHEN 'dow' THEN second_value::date - first_value::date
        WHEN 'doy' THEN second_value::date - first_value::date
        ELSE sparkify_redshift.clock_diff(part, extract(epoch FROM first_value), extract(epoch FROM second_value))
    END
$$;
-- Boundaries of hours, minutes, seconds, milliseconds and microseconds, from seconds since an origin.
CREATE OR REPLACE FUNCTION sparkify_redshift.clock_diff(part text, first_seconds numeric, second_seconds numeric)
RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (floor(second_seconds * unit) - floor(first_seconds * unit))::bigint
    FROM (SELECT CASE sparkify_redshift.datepart_name(part)
        WHEN 'hour' THEN 1 / 3600.0
        WHEN 'minute' THEN 1 / 60.0
        WHEN 'second' THEN 1
        WHEN 'millisecond' THEN 1000
        WHEN 'microsecond' THEN 1000000
        ELSE sparkify_redshift.unsupported_datepart('datediff', part)::numeric
    END AS unit) AS units
$$;
CREATE OR REPLACE FUNCTION sparkify_redshift.datediff(part text, first_value timestamptz, second_value timestamptz)
RETURNS bigint LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT sparkify_redshift.datediff(part, first_value AT TIME ZONE 'UTC', second_value AT TIME ZONE 'UTC') $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.datediff(part text, first_value date, second_value date)
RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT sparkify_redshift.datediff(part, first_value::timestamp, second_value::timestamp) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.datediff(part text, first_value text, second_value text)
RETURNS bigint LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT sparkify_redshift.datediff(part, first_value::timestamp, second_value::timestamp) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.datediff(part text, first_value time, second_value time)
RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT sparkify_redshift.clock_diff(part, extract(epoch FROM first_value), extract(epoch FROM second_value)) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.datediff(part text, first_value timetz, second_value timetz)
RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT sparkify_redshift.datediff(part, (first_value AT TIME ZONE 'UTC')::time,
                                      (second_value AT TIME ZONE 'UTC')::time) $$;

-- ADD_MONTHS: the last day of a month stays the last day of the result's month.
CREATE OR REPLACE FUNCTION sparkify_redshift.add_months(value timestamp, months bigint) RETURNS timestamp
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN value::date = sparkify_redshift.last_day(value)
        THEN sparkify_redshift.last_day(value + make_interval(months => months::int))
             + (value - pg_catalog.date_trunc('day', value))
        ELSE value + make_interval(months => months::int)
    END
$$;
CREATE OR REPLACE FUNCTION sparkify_redshift.add_months(value date, months bigint) RETURNS timestamp
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT sparkify_redshift.add_months(value::timestamp, months) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.add_months(value text, months bigint) RETURNS timestamp
LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT sparkify_redshift.add_months(value::timestamp, months) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.add_months(value timestamptz, months bigint) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT sparkify_redshift.add_months(value AT TIME ZONE 'UTC', months) AT TIME ZONE 'UTC' $$;

-- MONTHS_BETWEEN: whole months from year and month; the rest from days and time over a 31-day month,
-- except when both days are the same day of the month or both the last day of their month.
CREATE OR REPLACE FUNCTION sparkify_redshift.months_between(first_value timestamp, second_value timestamp)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ((extract(year FROM first_value) - extract(year FROM second_value)) * 12
            + extract(month FROM first_value) - extract(month FROM second_value))::double precision
         + CASE WHEN extract(day FROM first_value) = extract(day FROM second_value)
                  OR (first_value::date = sparkify_redshift.last_day(first_value)
                      AND second_value::date = sparkify_redshift.last_day(second_value))
                THEN 0
                ELSE (extract(epoch FROM first_value - pg_catalog.date_trunc('month', first_value))
                      - extract(epoch FROM second_value - pg_catalog.date_trunc('month', second_value)))::double precision
                     / 86400 / 31
           END
$$;
CREATE OR REPLACE FUNCTION sparkify_redshift.months_between(first_value date, second_value date)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT sparkify_redshift.months_between(first_value::timestamp, second_value::timestamp) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.months_between(first_value text, second_value text)
RETURNS double precision LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT sparkify_redshift.months_between(first_value::timestamp, second_value::timestamp) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.months_between(first_value timestamptz, second_value timestamptz)
RETURNS double precision LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT sparkify_redshift.months_between(first_value AT TIME ZONE 'UTC', second_value AT TIME ZONE 'UTC') $$;

-- LAST_DAY and NEXT_DAY give a DATE.
CREATE OR REPLACE FUNCTION sparkify_redshift.last_day(value timestamp) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (pg_catalog.date_trunc('month', value) + interval '1 month' - interval '1 day')::date $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.last_day(value date) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT sparkify_redshift.last_day(value::timestamp) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.last_day(value text) RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT sparkify_redshift.last_day(value::timestamp) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.last_day(value timestamptz) RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT sparkify_redshift.last_day(value AT TIME ZONE 'UTC') $$;

CREATE OR REPLACE FUNCTION sparkify_redshift.next_day(value timestamp, day_name text) RETURNS date
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    wanted text := lower(btrim(day_name));
    names text[] := ARRAY['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
    target int;
BEGIN
    FOR i IN 1..7 LOOP
        IF wanted <> '' AND (names[i] LIKE wanted || '%' OR (wanted IN ('tues', 'thurs') AND names[i] LIKE wanted || '%')) THEN
            target := i - 1;
            EXIT;
        END IF;
    END LOOP;
    IF target IS NULL THEN
        RAISE EXCEPTION 'Invalid day name: "%"', day_name USING ERRCODE = '22023';
    END IF;
    RETURN value::date + ((target - extract(dow FROM value)::int + 6) % 7 + 1);
END $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.next_day(value date, day_name text) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT sparkify_redshift.next_day(value::timestamp, day_name) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.next_day(value text, day_name text) RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT sparkify_redshift.next_day(value::timestamp, day_name) $$;

-- TRUNC of a timestamp: its date (PostgreSQL's TRUNC takes numbers only; those stay PostgreSQL's).
CREATE OR REPLACE FUNCTION sparkify_redshift.trunc(value timestamp) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT value::date $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.trunc(value timestamptz) RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT (value AT TIME ZONE 'UTC')::date $$;

-- CONVERT_TIMEZONE: the source defaults to UTC; an offset after a name is POSIX-style (hours west).
CREATE OR REPLACE FUNCTION sparkify_redshift.time_zone(zone text) RETURNS text
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE AS $$
DECLARE
    offset_part text[];
BEGIN
    PERFORM now() AT TIME ZONE zone;
    RETURN zone;
EXCEPTION WHEN invalid_parameter_value THEN
    offset_part := regexp_match(zone, E'^\\s*.*?\\s*([+-])(\\d{1,2})(?::(\\d{2}))?\\s*$');
    IF offset_part IS NULL THEN
        RAISE;
    END IF;
    RETURN format('<%s>%s%s:%s', 'X', offset_part[1], offset_part[2], coalesce(offset_part[3], '00'));
END $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.convert_timezone(source_zone text, target_zone text, value timestamp)
RETURNS timestamp LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT (value AT TIME ZONE sparkify_redshift.time_zone(source_zone))
           AT TIME ZONE sparkify_redshift.time_zone(target_zone) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.convert_timezone(source_zone text, target_zone text, value text)
RETURNS timestamp LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT sparkify_redshift.convert_timezone(source_zone, target_zone, value::timestamp) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.convert_timezone(source_zone text, target_zone text, value timestamptz)
RETURNS timestamp LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT value AT TIME ZONE sparkify_redshift.time_zone(target_zone) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.convert_timezone(target_zone text, value timestamp)
RETURNS timestamp LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT sparkify_redshift.convert_timezone('UTC', target_zone, value) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.convert_timezone(target_zone text, value text)
RETURNS timestamp LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT sparkify_redshift.convert_timezone('UTC', target_zone, value::timestamp) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.convert_timezone(target_zone text, value timestamptz)
RETURNS timestamp LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT value AT TIME ZONE sparkify_redshift.time_zone(target_zone) $$;

-- GETDATE: the statement's start, to the second; SYSDATE: the transaction's start, with microseconds.
CREATE OR REPLACE FUNCTION sparkify_redshift.getdate() RETURNS timestamp
LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT pg_catalog.date_trunc('second', statement_timestamp())::timestamp $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.sysdate() RETURNS timestamp
LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT now()::timestamp $$;

-- TO_DATE: out-of-range days and months overflow into the next (20010631 is July 1) unless is_strict.
CREATE OR REPLACE FUNCTION sparkify_redshift.to_date(value text, format text, is_strict boolean DEFAULT false)
RETURNS date LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    pattern text := upper(format);
    year_at int := strpos(pattern, 'YYYY');
    month_at int := strpos(pattern, 'MM');
    day_at int := strpos(pattern, 'DD');
    y int;
    m int;
    d int;
BEGIN
    RETURN pg_catalog.to_date(value, format);
EXCEPTION WHEN datetime_field_overflow THEN
    IF year_at = 0 OR month_at = 0 OR day_at = 0 THEN
        RAISE;
    END IF;
    y := substr(value, year_at, 4)::int;
    m := substr(value, month_at, 2)::int;
    d := substr(value, day_at, 2)::int;
    IF is_strict THEN
        RAISE EXCEPTION 'date/time field date value out of range: %-%-%', y, m, d USING ERRCODE = '22008';
    END IF;
    RETURN (make_date(y, 1, 1) + make_interval(months => m - 1, days => d - 1))::date;
END $$;

-- Comparisons as -1, 0 or 1, and the year of a date.
CREATE OR REPLACE FUNCTION sparkify_redshift.compare_values(first_value anycompatible, second_value anycompatible)
RETURNS integer LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN first_value < second_value THEN -1 WHEN first_value > second_value THEN 1 ELSE 0 END $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.date_cmp(first_value date, second_value date) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT sparkify_redshift.compare_values(first_value, second_value) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.date_cmp_timestamp(first_value date, second_value timestamp)
RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT sparkify_redshift.compare_values(first_value::timestamp, second_value) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.date_cmp_timestamptz(first_value date, second_value timestamptz)
RETURNS integer LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT sparkify_redshift.compare_values(first_value::timestamptz, second_value) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.timestamp_cmp(first_value timestamp, second_value timestamp)
RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT sparkify_redshift.compare_values(first_value, second_value) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.timestamp_cmp_date(first_value timestamp, second_value date)
RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT sparkify_redshift.compare_values(first_value, second_value::timestamp) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.timestamptz_cmp(first_value timestamptz, second_value timestamptz)
RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT sparkify_redshift.compare_values(first_value, second_value) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.interval_cmp(first_value interval, second_value interval)
RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT sparkify_redshift.compare_values(first_value, second_value) $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.date_part_year(value date) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT extract(year FROM value)::integer $$;

-- LIKE on a date or timestamp compares its text, as Redshift does (the guide's `saletime LIKE '2008-09%'`).
CREATE OR REPLACE FUNCTION sparkify_redshift.text_like(value timestamp, pattern text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT value::text LIKE pattern $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.text_not_like(value timestamp, pattern text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT value::text NOT LIKE pattern $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.text_like(value date, pattern text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT value::text LIKE pattern $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.text_not_like(value date, pattern text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT value::text NOT LIKE pattern $$;
DROP OPERATOR IF EXISTS sparkify_redshift.~~ (timestamp, text);
CREATE OPERATOR sparkify_redshift.~~ (LEFTARG = timestamp, RIGHTARG = text, FUNCTION = sparkify_redshift.text_like);
DROP OPERATOR IF EXISTS sparkify_redshift.!~~ (timestamp, text);
CREATE OPERATOR sparkify_redshift.!~~ (LEFTARG = timestamp, RIGHTARG = text, FUNCTION = sparkify_redshift.text_not_like);
DROP OPERATOR IF EXISTS sparkify_redshift.~~ (date, text);
CREATE OPERATOR sparkify_redshift.~~ (LEFTARG = date, RIGHTARG = text, FUNCTION = sparkify_redshift.text_like);
DROP OPERATOR IF EXISTS sparkify_redshift.!~~ (date, text);
CREATE OPERATOR sparkify_redshift.!~~ (LEFTARG = date, RIGHTARG = text, FUNCTION = sparkify_redshift.text_not_like);

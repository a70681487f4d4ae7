-- Materialized views as a cluster's catalog shows them (dbt-redshift's catalog and describe queries read
-- them so): a view in pg_class (relkind 'v', leader_pg_class in catalog.sql), listed in pg_views and
-- information_schema.views with its CREATE MATERIALIZED VIEW statement as the definition, its columns in
-- svv_all_columns, and a row in svv_mv_info and stv_mv_info.  A leader-node query that names pg_views or
-- information_schema.views reads the views below (sparkify/engine/sql/redshift/leader.py).

-- The definition a cluster gives: the CREATE statement, the query in parentheses.
CREATE OR REPLACE FUNCTION sparkify_redshift.materialized_view_text(target oid) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT 'create materialized view ' || quote_ident(c.relname) || ' as ('
           || rtrim(btrim(pg_catalog.pg_get_viewdef(c.oid)), ';') || ');'
      FROM pg_catalog.pg_class c WHERE c.oid = target $$;

CREATE OR REPLACE VIEW sparkify_redshift.materialized_views AS
SELECT c.oid, n.nspname AS schema_name, c.relname AS name, pg_get_userbyid(c.relowner) AS owner_name,
       c.relispopulated
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'm';

CREATE OR REPLACE VIEW sparkify_redshift.leader_pg_views AS
SELECT v.schemaname, v.viewname, v.viewowner, v.definition
  FROM pg_catalog.pg_views v
 WHERE v.schemaname <> 'sparkify_redshift'
UNION ALL
SELECT m.schema_name, m.name, m.owner_name, sparkify_redshift.materialized_view_text(m.oid)
  FROM sparkify_redshift.materialized_views m;

CREATE OR REPLACE VIEW sparkify_redshift.leader_views AS
SELECT v.* FROM information_schema.views v WHERE v.table_schema <> 'sparkify_redshift'
UNION ALL
SELECT current_database()::information_schema.sql_identifier, m.schema_name::information_schema.sql_identifier,
       m.name::information_schema.sql_identifier,
       (CASE WHEN pg_has_role(m.owner_name, 'USAGE') THEN sparkify_redshift.materialized_view_text(m.oid)
        END)::information_schema.character_data,
       'NONE'::information_schema.character_data, 'NO'::information_schema.yes_or_no,
       'NO'::information_schema.yes_or_no, 'NO'::information_schema.yes_or_no,
       'NO'::information_schema.yes_or_no, 'NO'::information_schema.yes_or_no
  FROM sparkify_redshift.materialized_views m
 WHERE has_table_privilege(m.oid, 'SELECT');

-- The guide's SVV_MV_INFO and STV_MV_INFO: state 1 (refreshed as a whole); a view whose data is not there
-- yet (WITH NO DATA) is stale.  No view refreshes by itself here: autorefresh is false.
CREATE OR REPLACE VIEW sparkify_redshift.svv_mv_info AS
SELECT current_database()::char(128) AS database_name, m.schema_name::char(128) AS schema_name,
       m.owner_name::char(128) AS user_name, m.name::char(128) AS name,
       (CASE WHEN m.relispopulated THEN 'f' ELSE 't' END)::char(1) AS is_stale, 1 AS state,
       'f'::char(1) AS autorefresh, 'f'::char(1) AS autorewrite
  FROM sparkify_redshift.materialized_views m
 WHERE has_table_privilege(m.oid, 'SELECT');
CREATE OR REPLACE VIEW sparkify_redshift.stv_mv_info AS
SELECT current_database()::char(128) AS db_name, m.schema_name::char(128) AS schema,
       m.name::char(128) AS name, NULL::bigint AS updated_upto_xid,
       (CASE WHEN m.relispopulated THEN 'f' ELSE 't' END)::char(1) AS is_stale,
       m.owner_name::char(128) AS owner_user_name, 1 AS state,
       'f'::char(1) AS autorefresh, 'f'::char(1) AS autorewrite
  FROM sparkify_redshift.materialized_views m
 WHERE has_table_privilege(m.oid, 'SELECT');

GRANT SELECT ON sparkify_redshift.materialized_views, sparkify_redshift.leader_pg_views,
                sparkify_redshift.leader_views, sparkify_redshift.svv_mv_info, sparkify_redshift.stv_mv_info
   TO PUBLIC;

-- Redshift's users, groups and roles as its catalog shows them (sparkify/engine/sql/redshift/access.py maps
-- them onto PostgreSQL roles): a user is a login role, a superuser one with CREATEROLE; a role is a NOLOGIN role whose
-- comment is 'redshift role'; a group is any other NOLOGIN role.  PostgreSQL's own superusers and predefined
-- pg_* roles are no Redshift identity.

CREATE OR REPLACE VIEW sparkify_redshift.identities AS
SELECT r.oid AS identity_id,
       r.rolname AS identity_name,
       CASE WHEN r.rolcanlogin THEN 'user'
            WHEN shobj_description(r.oid, 'pg_authid') = 'redshift role' THEN 'role'
            ELSE 'group' END AS identity_type
  FROM pg_catalog.pg_roles r
 WHERE NOT r.rolsuper AND r.rolname NOT LIKE 'pg\_%';

-- Memberships a client gave (GRANT ROLE, ALTER GROUP … ADD USER, IN GROUP): not those PostgreSQL records
-- for a role's creator (its ADMIN grant, and createrole_self_grant's grant to itself).
CREATE OR REPLACE VIEW sparkify_redshift.memberships AS
SELECT m.roleid, m.member, m.admin_option
  FROM pg_catalog.pg_auth_members m
  JOIN pg_catalog.pg_roles grantor ON grantor.oid = m.grantor
 WHERE m.member <> m.grantor AND NOT grantor.rolsuper;

CREATE OR REPLACE VIEW sparkify_redshift.pg_user AS
SELECT r.rolname AS usename,
       r.oid::integer AS usesysid,
       r.rolcreatedb AS usecreatedb,
       r.rolcreaterole AS usesuper,
       false AS usecatupd,
       '********'::text AS passwd,
       r.rolvaliduntil AS valuntil,
       r.rolconfig AS useconfig
  FROM pg_catalog.pg_roles r
 WHERE r.rolcanlogin AND NOT r.rolsuper;

CREATE OR REPLACE VIEW sparkify_redshift.pg_user_info AS
SELECT u.*,
       CASE WHEN r.rolconnlimit < 0 THEN 'UNLIMITED' ELSE r.rolconnlimit::text END AS useconnlimit
  FROM sparkify_redshift.pg_user u
  JOIN pg_catalog.pg_roles r ON r.oid = u.usesysid;

CREATE OR REPLACE VIEW sparkify_redshift.pg_group AS
SELECT i.identity_name AS groname,
       i.identity_id::integer AS grosysid,
       ARRAY(SELECT m.member::integer FROM sparkify_redshift.memberships m
              WHERE m.roleid = i.identity_id ORDER BY m.member) AS grolist
  FROM sparkify_redshift.identities i
 WHERE i.identity_type = 'group';

CREATE OR REPLACE VIEW sparkify_redshift.svv_user_info AS
SELECT r.rolname::text AS user_name,
       r.oid::integer AS user_id,
       r.rolcreatedb AS createdb,
       r.rolcreaterole AS superuser,
       false AS catalog_update,
       CASE WHEN r.rolconnlimit < 0 THEN 'UNLIMITED' ELSE r.rolconnlimit::text END AS connection_limit,
       CASE WHEN pg_has_role(r.oid, 'pg_read_all_stats', 'USAGE')
            THEN 'UNRESTRICTED' ELSE 'RESTRICTED' END AS syslog_access,
       NULL::timestamp AS last_updated_password,
       (SELECT split_part(setting, '=', 2)::integer / 1000 FROM unnest(r.rolconfig) AS setting
         WHERE setting LIKE 'idle\_session\_timeout=%' LIMIT 1) AS session_timeout,
       NULL::text AS external_user_id
  FROM pg_catalog.pg_roles r
 WHERE r.rolcanlogin AND NOT r.rolsuper;

CREATE OR REPLACE VIEW sparkify_redshift.svv_roles AS
SELECT i.identity_id::integer AS role_id,
       i.identity_name::text AS role_name,
       (SELECT o.rolname::text FROM pg_catalog.pg_auth_members m
          JOIN pg_catalog.pg_roles o ON o.oid = m.member
         WHERE m.roleid = i.identity_id AND m.admin_option ORDER BY m.oid LIMIT 1) AS role_owner,
       NULL::text AS external_id
  FROM sparkify_redshift.identities i
 WHERE i.identity_type = 'role';

CREATE OR REPLACE VIEW sparkify_redshift.svv_user_grants AS
SELECT u.identity_id::integer AS user_id, u.identity_name::text AS user_name,
       r.identity_id::integer AS role_id, r.identity_name::text AS role_name,
       m.admin_option
  FROM sparkify_redshift.memberships m
  JOIN sparkify_redshift.identities u ON u.identity_id = m.member AND u.identity_type = 'user'
  JOIN sparkify_redshift.identities r ON r.identity_id = m.roleid AND r.identity_type = 'role';

CREATE OR REPLACE VIEW sparkify_redshift.svv_role_grants AS
SELECT r.identity_id::integer AS role_id, r.identity_name::text AS role_name,
       g.identity_id::integer AS granted_role_id, g.identity_name::text AS granted_role_name
  FROM sparkify_redshift.memberships m
  JOIN sparkify_redshift.identities r ON r.identity_id = m.member AND r.identity_type = 'role'
  JOIN sparkify_redshift.identities g ON g.identity_id = m.roleid AND g.identity_type = 'role';

-- Privileges a client granted (an owner's own are not listed), to users, groups, roles and PUBLIC.
CREATE OR REPLACE VIEW sparkify_redshift.svv_relation_privileges AS
SELECT n.nspname::text AS namespace_name, c.relname::text AS relation_name, a.privilege_type::text,
       a.grantee::integer AS identity_id,
       coalesce(i.identity_name::text, 'public') AS identity_name,
       coalesce(i.identity_type, 'public') AS identity_type,
       a.is_grantable AS admin_option
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 CROSS JOIN LATERAL aclexplode(c.relacl) a
  LEFT JOIN sparkify_redshift.identities i ON i.identity_id = a.grantee
 WHERE c.relkind IN ('r', 'v', 'm', 'p') AND a.grantee <> c.relowner
   AND a.privilege_type <> 'MAINTAIN'  -- PostgreSQL's, in its ALL: no Redshift privilege
   AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'sparkify_redshift')
   AND (a.grantee = 0 OR i.identity_id IS NOT NULL)
UNION ALL  -- Redshift's ALTER, DROP and RULE, which PostgreSQL has not (table_privileges.sql)
SELECT n.nspname::text, c.relname::text, p.privilege, p.grantee::integer,
       coalesce(i.identity_name::text, 'public'), coalesce(i.identity_type, 'public'), p.grantable
  FROM sparkify_redshift.table_privileges p
  JOIN pg_catalog.pg_class c ON c.oid = p.table_oid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN sparkify_redshift.identities i ON i.identity_id = p.grantee;

CREATE OR REPLACE VIEW sparkify_redshift.svv_schema_privileges AS
SELECT n.nspname::text AS namespace_name, a.privilege_type::text,
       a.grantee::integer AS identity_id,
       coalesce(i.identity_name::text, 'public') AS identity_name,
       coalesce(i.identity_type, 'public') AS identity_type,
       a.is_grantable AS admin_option
  FROM pg_catalog.pg_namespace n
 CROSS JOIN LATERAL aclexplode(n.nspacl) a
  LEFT JOIN sparkify_redshift.identities i ON i.identity_id = a.grantee
 WHERE a.grantee <> n.nspowner
   AND n.nspname NOT LIKE 'pg\_%' AND n.nspname NOT IN ('information_schema', 'sparkify_redshift')
   AND (a.grantee = 0 OR i.identity_id IS NOT NULL);

-- Catalog tables a cluster's superusers read and PostgreSQL keeps for its own: their rows for Redshift's
-- superusers only (a security barrier, so no function of the caller's sees a row before the filter).
CREATE OR REPLACE VIEW sparkify_redshift.pg_statistic WITH (security_barrier) AS
SELECT s.starelid, s.staattnum, s.stainherit, s.stanullfrac, s.stawidth, s.stadistinct,
       s.stakind1, s.stakind2, s.stakind3, s.stakind4, s.stakind5, s.staop1,
       s.staop2, s.staop3, s.staop4, s.staop5, s.stacoll1, s.stacoll2,
       s.stacoll3, s.stacoll4, s.stacoll5, s.stanumbers1, s.stanumbers2, s.stanumbers3,
       s.stanumbers4, s.stanumbers5,
       -- a view cannot hold anyarray: the values as text
       s.stavalues1::text AS stavalues1, s.stavalues2::text AS stavalues2,
       s.stavalues3::text AS stavalues3, s.stavalues4::text AS stavalues4, s.stavalues5::text AS stavalues5
  FROM pg_catalog.pg_statistic s
 WHERE (SELECT r.rolcreaterole FROM pg_catalog.pg_roles r WHERE r.rolname = current_user);

CREATE OR REPLACE VIEW sparkify_redshift.pg_largeobject WITH (security_barrier) AS
SELECT l.* FROM pg_catalog.pg_largeobject l
 WHERE (SELECT r.rolcreaterole FROM pg_catalog.pg_roles r WHERE r.rolname = current_user);

GRANT SELECT ON sparkify_redshift.pg_statistic, sparkify_redshift.pg_largeobject TO PUBLIC;
GRANT SELECT ON sparkify_redshift.identities, sparkify_redshift.memberships, sparkify_redshift.pg_user,
                sparkify_redshift.pg_user_info, sparkify_redshift.pg_group, sparkify_redshift.svv_user_info,
                sparkify_redshift.svv_roles, sparkify_redshift.svv_user_grants, sparkify_redshift.svv_role_grants,
                sparkify_redshift.svv_relation_privileges, sparkify_redshift.svv_schema_privileges
   TO PUBLIC;

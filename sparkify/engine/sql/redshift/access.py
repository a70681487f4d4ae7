"""Redshift's users, groups and roles, and its GRANT and REVOKE, as PostgreSQL roles and privileges.

A Redshift user is a PostgreSQL login role, a group and a role are NOLOGIN roles; PostgreSQL enforces the
privileges itself.  The rewrites here work on tokens:

* CREATE / ALTER USER: the password as the endpoint checks it (see :func:`stored_password`), CREATEUSER
  as the superuser's PostgreSQL rights (see :data:`SUPERUSER_GRANTS`), SESSION TIMEOUT as PostgreSQL's
  ``idle_session_timeout``, SYSLOG ACCESS as ``pg_read_all_stats``, CONNECTION LIMIT UNLIMITED as -1.
* GRANT / REVOKE: ``GRANT ROLE r TO u``, ``TO ROLE r`` and the ``sys:`` system roles' names.
* CREATE ROLE: marked as a role (a group is a NOLOGIN role too; the catalog views tell them apart).
* SET SESSION AUTHORIZATION: as SET ROLE (the session's login role is not a PostgreSQL superuser).

Redshift's superusers are not PostgreSQL superusers: a PostgreSQL superuser reads and writes the server's
files and runs programs (``pg_read_file``, ``COPY … FROM PROGRAM``), which no Redshift user can.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

from sparkify.engine.errors import UnsupportedStatementError
from sparkify.engine.sql.redshift.table_privileges import WORDS, table_privilege_statement
from sparkify.engine.sql.text import quote_ident, quote_literal
from sparkify.engine.sql.tokens import Token, tokens

#: SYSLOG ACCESS UNRESTRICTED: every user's rows of the system views.
SYSLOG_UNRESTRICTED = "pg_read_all_stats"
#: What CREATEUSER gives besides CREATEROLE and CREATEDB: read and write every table, see every session.
#: The role's ``createrole_self_grant`` makes it a member of each role it creates, so it also owns what
#: they own.
SUPERUSER_GRANTS = f"pg_read_all_data, pg_write_all_data, {SYSLOG_UNRESTRICTED}"
SUPERUSER_SETTING = "createrole_self_grant TO 'set, inherit'"
#: The comment that marks a NOLOGIN role made by CREATE ROLE (CREATE GROUP's carry none).
ROLE_MARK = "redshift role"
#: A sha256 password (digest of password and salt) kept in PostgreSQL's password column in SCRAM's form
#: with this iteration count, which no SCRAM secret the endpoint accepts has: PostgreSQL never checks it
#: (the endpoint signs clients in), and the column is readable by PostgreSQL's superusers only.
SHA256_ITERATIONS = 1
#: Redshift's system roles (r_roles-default); what they may do is granted when a database is prepared.
SYSTEM_ROLES = ("sys:superuser", "sys:dba", "sys:operator", "sys:secadmin", "sys:monitor")


def access_statement(found: list[Token], words: list[str]) -> str | None:
    """The PostgreSQL statement for a Redshift user, role or privilege statement; None for others."""
    if words[:2] in (["CREATE", "USER"], ["ALTER", "USER"]) and len(words) > 2:
        if words[3:4] in (["RENAME"], ["SET"], ["RESET"]):
            return None
        return _user_statement(found, words)
    if words[:2] == ["CREATE", "ROLE"] and len(words) > 2:
        return _create_role(found, words)
    if words[:1] in (["GRANT"], ["REVOKE"]) and WORDS & set(words):
        respelt = _role_names(found)
        spelt = tokens(respelt) if respelt is not None else found
        recorded = table_privilege_statement(spelt, [token.word for token in spelt if token.text != ";"])
        if recorded is not None:
            return recorded
    if (
        words[:1] in (["GRANT"], ["REVOKE"])
        or words[:2] in (["DROP", "ROLE"], ["ALTER", "ROLE"])
        or words[:3] == ["ALTER", "DEFAULT", "PRIVILEGES"]
    ):
        return _role_names(found)
    if words[:3] == ["SET", "SESSION", "AUTHORIZATION"] or words[:3] == ["RESET", "SESSION", "AUTHORIZATION"]:
        return _session_authorization(found, words)
    return None


# --- CREATE / ALTER USER ----------------------------------------------------------------------------------


def _user_statement(found: list[Token], words: list[str]) -> str:
    """CREATE / ALTER USER as one PostgreSQL statement, or a DO block of several."""
    meaningful = [token for token in found if token.text != ";"]
    name = identifier_value(meaningful[2])
    kept = [meaningful[0].text, meaningful[1].text, meaningful[2].text]
    after: list[str] = []
    index = 3
    while index < len(meaningful):
        word = words[index] if index < len(words) else ""
        following = words[index + 1] if index + 1 < len(words) else ""
        if word == "WITH" and index == 3:
            index += 1
        elif word == "PASSWORD" and following == "DISABLE":
            kept.append("PASSWORD NULL")
            index += 2
        elif word == "PASSWORD" and index + 1 < len(meaningful) and meaningful[index + 1].name == "SCONST":
            stored = stored_password(literal_value(meaningful[index + 1]), name)
            kept.append("PASSWORD " + quote_literal(stored))
            index += 2
        elif word == "CONNECTION" and following == "LIMIT" and words[index + 2 : index + 3] == ["UNLIMITED"]:
            kept.append("CONNECTION LIMIT -1")
            index += 3
        elif word == "SYSLOG" and following == "ACCESS":
            unrestricted = words[index + 2 : index + 3] == ["UNRESTRICTED"]
            after.append(_syslog_access(name, unrestricted=unrestricted))
            index += 3
        elif word == "SESSION" and following == "TIMEOUT":
            seconds = int(meaningful[index + 2].text)
            after.append(f"ALTER ROLE {quote_ident(name)} SET idle_session_timeout TO {seconds * 1000}")
            index += 3
        elif word == "EXTERNALID":
            index += 2  # identity-provider federation: no local equal
        elif word in ("CREATEUSER", "NOCREATEUSER"):
            after.extend(_superuser_statements(name, granted=word == "CREATEUSER"))
            kept.append("CREATEROLE CREATEDB" if word == "CREATEUSER" else "NOCREATEROLE")
            index += 1
        else:
            kept.append(meaningful[index].text)
            index += 1
    statement = " ".join(kept)
    if not after:
        return statement
    if words[0] == "ALTER" and len(kept) == 3:  # ALTER USER u SYSLOG ACCESS …: nothing PostgreSQL alters
        return _do_block(after)
    return _do_block([statement, *after])


def _superuser_statements(name: str, *, granted: bool) -> list[str]:
    role = quote_ident(name)
    if granted:
        # WITH ADMIN OPTION: a superuser makes superusers and unrestricted users in turn.
        return [
            f"GRANT {SUPERUSER_GRANTS} TO {role} WITH ADMIN OPTION",
            f"ALTER ROLE {role} SET {SUPERUSER_SETTING}",
        ]
    return [f"REVOKE {SUPERUSER_GRANTS} FROM {role}", f"ALTER ROLE {role} RESET createrole_self_grant"]


def _syslog_access(name: str, *, unrestricted: bool) -> str:
    """SYSLOG ACCESS as PostgreSQL's ``pg_read_all_stats``: without it, a user sees its own sessions and
    queries only in pg_stat_activity, which stv_sessions, stv_recents and stl_query read."""
    role = quote_ident(name)
    if unrestricted:
        return f"GRANT {SYSLOG_UNRESTRICTED} TO {role}"
    granted = (
        f"SELECT FROM pg_auth_members WHERE roleid = {quote_literal(SYSLOG_UNRESTRICTED)}::regrole "
        f"AND member = {quote_literal(role)}::regrole"
    )
    return f"IF EXISTS ({granted}) THEN REVOKE {SYSLOG_UNRESTRICTED} FROM {role}; END IF"


def stored_password(value: str, user: str) -> str:
    """The password column's value for Redshift's PASSWORD ``value`` of ``user``.

    An md5 hash (``md5`` and 32 hex digits of md5(password || user)) is kept as given; a sha256 one
    (``sha256|digest|salt``, hex) and a clear password with Redshift's ``sha256|`` prefix become the
    SCRAM-shaped sha256 record (see :data:`SHA256_ITERATIONS`); any other text is a clear password, kept as
    Redshift keeps it: md5 of password and user name.  The clear password never reaches PostgreSQL (nor its
    log).
    """
    if value.startswith("md5") and len(value) == 35 and _is_hex(value[3:]):
        return value.lower()
    parts = value.split("|")
    if parts[0].lower() == "sha256" and len(parts) == 3 and _is_hex(parts[1]) and _is_hex(parts[2]):
        return sha256_record(bytes.fromhex(parts[1]), bytes.fromhex(parts[2]))
    if parts[0].lower() == "sha256" and len(parts) == 2:  # hashed here: the clear-text rules do not apply
        salt = secrets.token_bytes(32)
        return sha256_record(hashlib.sha256(parts[1].encode() + salt).digest(), salt)
    check_clear_password(value)
    return "md5" + hashlib.md5((value + user).encode()).hexdigest()


def check_clear_password(password: str) -> None:
    """Redshift's rules for a clear password (r_CREATE_USER): 8 to 64 characters, an upper-case and a
    lower-case letter and a digit, ASCII 33–126.  (The guide also names ' " \\ / @ as not allowed, and
    then creates a user with the password '@AbC4321!': those are left to the cluster.  Characters beyond
    ASCII are taken, as a cluster takes them: redshift_connector's own suite signs in with one.)"""
    if not 8 <= len(password) <= 64:
        raise UnsupportedStatementError("Password must be 8 to 64 characters long.")
    if not any(char.isascii() and char.isupper() for char in password):
        raise UnsupportedStatementError("Password must contain an uppercase letter.")
    if not any(char.isascii() and char.islower() for char in password):
        raise UnsupportedStatementError("Password must contain a lowercase letter.")
    if not any(char.isascii() and char.isdigit() for char in password):
        raise UnsupportedStatementError("Password must contain a number.")
    if any(char.isascii() and not 33 <= ord(char) <= 126 for char in password):
        raise UnsupportedStatementError("Password may use ASCII characters 33 to 126 only.")


def sha256_record(digest: bytes, salt: bytes) -> str:
    if len(digest) != 32:
        raise ValueError("a sha256 digest has 64 hex digits")
    encoded_digest = base64.b64encode(digest).decode()
    salt_text = base64.b64encode(salt).decode()
    return f"SCRAM-SHA-256${SHA256_ITERATIONS}:{salt_text}${encoded_digest}:{encoded_digest}"


def _is_hex(text: str) -> bool:
    return bool(text) and all(char in "0123456789abcdefABCDEF" for char in text)


def _do_block(statements: list[str]) -> str:
    body = "; ".join(statements) + ";"
    tag = "access"
    while f"${tag}$" in body:
        tag += "_"
    return f"DO ${tag}$ BEGIN {body} END ${tag}$"


# --- roles, GRANT and REVOKE ------------------------------------------------------------------------------


def _create_role(found: list[Token], words: list[str]) -> str:
    """CREATE ROLE r [EXTERNALID x]: a NOLOGIN role, marked as a role for svv_roles."""
    meaningful = [token for token in found if token.text != ";"]
    name, _ = _name_at(meaningful, 2)
    role = quote_ident(name)
    return _do_block([f"CREATE ROLE {role} NOLOGIN", f"COMMENT ON ROLE {role} IS {quote_literal(ROLE_MARK)}"])


def _role_names(found: list[Token]) -> str | None:
    """GRANT / REVOKE (and DROP / ALTER ROLE) as PostgreSQL spells them: no ROLE before a role's name, and
    a ``sys:`` role's name as one quoted identifier."""
    meaningful = [token for token in found if token.text != ";"]
    kept: list[str] = []
    changed = False
    index = 0
    while index < len(meaningful):
        token = meaningful[index]
        previous = meaningful[index - 1] if index else None
        if token.word == "ROLE" and previous is not None and _before_role_name(meaningful, index):
            index, changed = index + 1, True
            continue
        if token.word == "SYS" and index + 2 < len(meaningful) and meaningful[index + 1].text == ":":
            name, index = _name_at(meaningful, index)
            kept.append(quote_ident(name))
            changed = True
            continue
        kept.append(token.text)
        index += 1
    return " ".join(kept) if changed else None


def _before_role_name(meaningful: list[Token], index: int) -> bool:
    """Whether the ROLE at ``index`` is Redshift's word before a role's name (``GRANT ROLE r``, ``TO ROLE r``,
    ``, ROLE r``, ``ADMIN OPTION FOR ROLE r``), not PostgreSQL's ``DROP ROLE`` or ``ALTER ROLE``."""
    previous = meaningful[index - 1]
    if previous.word in ("DROP", "ALTER", "CREATE") and index == 1:
        return False
    if previous.word == "FOR":  # PostgreSQL's ALTER DEFAULT PRIVILEGES FOR ROLE u keeps its ROLE
        return index > 1 and meaningful[index - 2].word == "OPTION"
    return previous.word in ("GRANT", "REVOKE", "TO", "FROM") or previous.text == ","


def _name_at(meaningful: list[Token], index: int) -> tuple[str, int]:
    """The role name at ``index`` (``sys:monitor`` is three tokens) and the index after it."""
    if (
        meaningful[index].word == "SYS"
        and index + 2 < len(meaningful)
        and meaningful[index + 1].text == ":"
        and meaningful[index + 1].end == meaningful[index + 2].start
    ):
        return "sys:" + identifier_value(meaningful[index + 2]), index + 3
    return identifier_value(meaningful[index]), index + 1


def _session_authorization(found: list[Token], words: list[str]) -> str:
    """SET SESSION AUTHORIZATION u as SET ROLE u: the client's backend is signed in as itself, never as a
    PostgreSQL superuser, so PostgreSQL's own SET SESSION AUTHORIZATION is refused to it.  SET ROLE is
    open to a member of the role, which a superuser is of the users it created."""
    meaningful = [token for token in found if token.text != ";"]
    if words[0] == "RESET" or words[3:4] == ["DEFAULT"]:
        return "RESET ROLE"
    target = meaningful[3]
    name = literal_value(target) if target.name == "SCONST" else identifier_value(target)
    return f"SET ROLE {quote_ident(name)}"


# --- tokens' values ---------------------------------------------------------------------------------------


def identifier_value(token: Token) -> str:
    """A name as PostgreSQL stores it: a quoted one as written, a bare one in lower case."""
    if token.text.startswith('"'):
        return token.text[1:-1].replace('""', '"')
    return token.text.lower()


def literal_value(token: Token) -> str:
    """The value of a string literal token (``'it''s'``, or ``E'it\\'s'`` as the adapter writes Redshift's
    backslashes)."""
    text = token.text
    if text[:1] in ("E", "e"):
        return _unescape(text[2:-1])
    return text[1:-1].replace("''", "'")


def _unescape(body: str) -> str:
    simple = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}
    out: list[str] = []
    index = 0
    while index < len(body):
        char = body[index]
        if char == "\\" and index + 1 < len(body):
            following = body[index + 1]
            out.append(simple.get(following, following))
            index += 2
        elif char == "'" and body[index + 1 : index + 2] == "'":
            out.append("'")
            index += 2
        else:
            out.append(char)
            index += 1
    return "".join(out)


# --- what a cluster and a database start with -------------------------------------------------------------

#: What each system role may do, in PostgreSQL's predefined roles (a role's attributes, such as
#: CREATEROLE, are not inherited: sys:secadmin and sys:dba give no more than their members have).
_SYSTEM_ROLE_GRANTS = {
    "sys:superuser": "pg_read_all_data, pg_write_all_data, pg_monitor, pg_signal_backend, pg_maintain",
    "sys:dba": "pg_read_all_data, pg_maintain",
    "sys:operator": "pg_monitor, pg_signal_backend, pg_maintain",
    "sys:secadmin": "",
    "sys:monitor": "pg_monitor",
}


def cluster_setup_statements(master: str) -> list[str]:
    """What PostgreSQL's superuser runs once the cluster's roles exist: the master user gets Redshift's
    superuser rights (see :data:`SUPERUSER_GRANTS`) and may grant the system roles, which are made."""
    role = quote_ident(master)
    statements = [
        f"GRANT {SUPERUSER_GRANTS} TO {role} WITH ADMIN OPTION",
        f"ALTER ROLE {role} SET {SUPERUSER_SETTING}",
    ]
    for name, grants in _SYSTEM_ROLE_GRANTS.items():
        system_role = quote_ident(name)
        statements.append(
            f"DO $sparkify$ BEGIN IF to_regrole({quote_literal(system_role)}) IS NULL THEN "
            f"CREATE ROLE {system_role} NOLOGIN; END IF; END $sparkify$"
        )
        statements.append(f"COMMENT ON ROLE {system_role} IS {quote_literal(ROLE_MARK)}")
        if grants:
            statements.append(f"GRANT {grants} TO {system_role}")
        statements.append(f"GRANT {system_role} TO {role} WITH ADMIN OPTION")
    return statements


#: Redshift's default: "all users have CREATE and USAGE privileges on the PUBLIC schema" (PostgreSQL 15
#: and later give PUBLIC only USAGE).  On another PostgreSQL whose public schema is not the database
#: owner's, it is left as it is.
DATABASE_SETUP = (
    "DO $sparkify$ BEGIN IF to_regnamespace('public') IS NOT NULL THEN "
    "GRANT CREATE, USAGE ON SCHEMA public TO PUBLIC; END IF; "
    "EXCEPTION WHEN insufficient_privilege THEN NULL; END $sparkify$"
)

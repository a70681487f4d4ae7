"""Who the endpoint says it is: the run-time parameters a Redshift cluster reports at a client's startup.

Clients choose their paths by these ParameterStatus messages.  ``server_version`` 8.0.2 (not the embedded
PostgreSQL's) makes a driver read Redshift's command tags as Redshift means them (redshift_connector counts
rows only in INSERT, DELETE, UPDATE and MOVE tags below 8.2: a bare ``SELECT`` tag after CREATE TABLE AS is
no count, a SELECT's ``rowcount`` is -1).  ``show_discovery`` tells Redshift's drivers which version of the
SHOW commands the server answers (their metadata API is built on them), ``server_protocol_version`` which of
the result transfers the driver asked for (``client_protocol_version``) the server grants.  The other
settings a cluster reports (DateStyle, IntervalStyle, client_encoding, standard_conforming_strings …) are
the embedded server's own, set to Redshift's values when the session starts, so they report what they do.
"""

from __future__ import annotations

from sparkify.engine.endpoint import messages as m
from sparkify.engine.sql.redshift import SHIM_SCHEMA

#: Redshift's server_version; version() names it too.
SERVER_VERSION = "8.0.2"
#: The SHOW commands' version (redshift_connector's metadata API needs 4: SHOW DATABASES, SCHEMAS, TABLES,
#: COLUMNS, CONSTRAINTS, GRANTS, FUNCTIONS, PROCEDURES, PARAMETERS).
SHOW_DISCOVERY = 4
#: The highest result transfer granted: 0, PostgreSQL's (BASE_SERVER); 1 adds Redshift's extended result
#: metadata to RowDescription; 2 (BINARY) adds Redshift's binary NUMERIC and VARBYTE's bytes as they are
#: (:mod:`redshift_wire`).  A client asking for more is told this, and follows it.
SERVER_PROTOCOL_VERSION = 2
#: ``datashare_enabled on``: the catalog answers for every database of the server (SHOW TABLES FROM SCHEMA
#: otherdb.s, svv_all_tables), as an RA3 cluster's does; a driver asked for every database's metadata
#: (redshift_connector's database_metadata_current_db_only=False) lists them only when told so.
#: Reported by a cluster whatever the settings say; replaced in the embedded server's report.
_REPLACED = {"server_version": SERVER_VERSION}


def parameter_status(name: str, value: str) -> bytes:
    return m.message(b"S", m.cstring(name) + m.cstring(value))


def granted_protocol(startup: dict[str, str]) -> int | None:
    """The result transfer granted to a client that asked for one (``client_protocol_version``); None when
    it did not ask (a PostgreSQL client: a cluster then reports none)."""
    asked = startup.get("client_protocol_version")
    if asked is None:
        return None
    try:
        return max(0, min(int(asked), SERVER_PROTOCOL_VERSION))
    except ValueError:
        return 0


def greeting(backend_greeting: list[bytes], protocol: int | None) -> list[bytes]:
    """The embedded server's startup ParameterStatus and NoticeResponse messages as a cluster sends them:
    Redshift's server_version, then show_discovery, datashare_enabled and (for a driver that asked)
    server_protocol_version."""
    messages = []
    for message in backend_greeting:
        if message[:1] == b"S":
            name, _ = m.read_cstring(message, 5)
            if name in _REPLACED:
                message = parameter_status(name, _REPLACED[name])
        messages.append(message)
    messages.append(parameter_status("show_discovery", str(SHOW_DISCOVERY)))
    messages.append(parameter_status("datashare_enabled", "on"))
    if protocol is not None:
        messages.append(parameter_status("server_protocol_version", str(protocol)))
    return messages


def redshift_parameter(payload: bytes) -> bytes:
    """A ParameterStatus the embedded server sends during a session (a client's SET), as a cluster's."""
    name, _ = m.read_cstring(payload)
    if name in _REPLACED:
        return m.cstring(name) + m.cstring(_REPLACED[name])
    return payload


#: What a client's startup tells of it, by stl_connection_log column: the startup parameter and its length.
_LOGGED = {
    "application_name": ("application_name", 250),
    "os_version": ("os_version", 64),
    "driver_version": ("driver_version", 64),
    "plugin_name": ("plugin_name", 32),
}


def connection_log_insert(
    startup: dict[str, str], remote: tuple[str, int] | None, tls: bool, protocol: int
) -> str:
    """The statement that records a client's login in stl_connection_log.  Each value a client sent goes as
    hexadecimal (decoded by the server), so no value can end a literal whatever the string settings."""
    columns = ["event", "authmethod", "sslversion", "protocol_version"]
    values = ["'authenticated'", "'password'", "'TLS'" if tls else "NULL", str(int(protocol))]
    if remote is not None:
        columns += ["remotehost", "remoteport"]
        values += [_hex_text(str(remote[0])[:45]), f"'{int(remote[1])}'"]
    for column, (name, length) in _LOGGED.items():
        if startup.get(name):
            columns.append(column)
            values.append(_hex_text(startup[name][:length]))
    return f"INSERT INTO {SHIM_SCHEMA}.stl_connection_log ({', '.join(columns)}) VALUES ({', '.join(values)})"


def _hex_text(value: str) -> str:
    return f"convert_from(decode('{value.encode().hex()}', 'hex'), 'UTF8')"

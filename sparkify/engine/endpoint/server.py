"""The endpoint: a listening socket, one thread per client, each with its own backend session.

The startup of a client (TLS, protocol version, password) happens here; what follows it is
:class:`sparkify.engine.endpoint.session.ClientSession`'s job.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import socket
import ssl
import threading
from typing import Any

import psycopg2

from sparkify.engine.endpoint import identity, logins, tls
from sparkify.engine.endpoint import messages as m
from sparkify.engine.endpoint.auth import INVALID_PASSWORD, AuthenticationFailed, MasterUser
from sparkify.engine.endpoint.backend import Backend, BackendError, BackendUnavailable
from sparkify.engine.endpoint.rewrite import version_text
from sparkify.engine.endpoint.session import ClientSession
from sparkify.engine.endpoint.settings import EndpointSettings
from sparkify.engine.errors import WarehouseConnectionError
from sparkify.engine.server import embedded
from sparkify.engine.sql import adapter
from sparkify.engine.sql.redshift.history import QueryHistory
from sparkify.engine.sql.text import quote_ident

log = logging.getLogger("sparkify.endpoint")

#: Startup parameters PostgreSQL knows besides its settings; any other unknown one is dropped, as
#: pgbouncer's ignore_startup_parameters does (Redshift drivers send client_protocol_version and more).
_STARTUP_ONLY = frozenset({"options"})
_NEVER_FORWARDED = frozenset({"user", "database", "replication"})
_ACCEPT_TIMEOUT = 0.5
_AUTHENTICATION_TIMEOUT = 60.0
_SHUTDOWN_MESSAGE = "terminating connection due to administrator command"  # PostgreSQL's words
#: Startup parameters only Redshift's own drivers send; they get md5, as Redshift gives them.
_REDSHIFT_DRIVER_PARAMETERS = frozenset({"client_protocol_version", "driver_version"})


class Endpoint:
    """The listening endpoint; :meth:`serve` runs until :meth:`stop`."""

    def __init__(self, settings: EndpointSettings) -> None:
        self.settings = settings
        self.master = MasterUser(settings.db_user, settings.db_password)
        self.socket_dir, self.pg_port = embedded.ensure_server(settings.data_dir)
        self.socket_path = f"{self.socket_dir}/.s.PGSQL.{self.pg_port}"
        self._prepared: set[str] = set()
        self._prepare_lock = threading.Lock()
        self.known_settings, postgres_version = self._prepare_server()
        self.version_text = version_text(postgres_version)
        self.tls_context = tls.server_context(settings.data_dir)
        self._sessions: dict[tuple[int, int], tuple[socket.socket, Backend | None]] = {}
        self._sessions_lock = threading.Lock()
        self._next_pid = 1000
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._histories: dict[str, QueryHistory] = {}
        self.listener = self._listen(settings.host, settings.port)

    def _prepare_server(self) -> tuple[frozenset[str], str]:
        admin = psycopg2.connect(**self.connect_args("postgres", user="postgres"))
        admin.autocommit = True
        try:
            # A cluster comes with a database named dev, which Redshift's tools connect to by default.
            for database in dict.fromkeys([self.settings.db_name, "dev"]):
                embedded.ensure_database(admin, database, self.settings.db_user)
            # CREATE DATABASE copies template1: a new database has the emulation's catalog before any client
            # signs in to it, so another database's session can list it (SHOW TABLES FROM SCHEMA new.s); so
            # has every database made before, for the same reason.
            with admin.cursor() as cursor:
                cursor.execute(
                    "SELECT datname FROM pg_database WHERE datallowconn AND datname <> 'postgres' "
                    "ORDER BY oid"
                )
                databases = [row[0] for row in cursor.fetchall()]
            for database in databases:
                self._prepare_database(database)
            with admin.cursor() as cursor:
                # Redshift's master user creates databases; the embedded login role may not by default.
                cursor.execute(f"ALTER ROLE {quote_ident(self.settings.db_user)} CREATEDB")
                for statement in adapter.cluster_setup_statements(self.settings.db_user):
                    cursor.execute(statement)
                cursor.execute("SELECT lower(name) FROM pg_settings")
                names = frozenset(row[0] for row in cursor.fetchall())
                cursor.execute("SHOW server_version")
                postgres_version = cursor.fetchone()[0]
        finally:
            admin.close()
        return names, postgres_version

    def _listen(self, host: str, port: int) -> socket.socket:
        try:
            family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
            listener = socket.socket(family, kind, proto)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(address)
        except OSError as exc:
            raise WarehouseConnectionError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        listener.listen(128)
        listener.settimeout(_ACCEPT_TIMEOUT)
        return listener

    @property
    def port(self) -> int:
        return int(self.listener.getsockname()[1])

    def connect_args(self, database: str, *, user: str | None = None) -> dict[str, Any]:
        """psycopg2.connect arguments for a connection of the endpoint's own to the embedded server."""
        return {
            "host": self.socket_dir,
            "port": self.pg_port,
            "dbname": database,
            "user": user or self.settings.db_user,
            "application_name": "sparkify-endpoint",
        }

    def history_for(self, database: str) -> QueryHistory:
        """The query history of ``database``, shared by the sessions in it; written as the superuser."""
        with self._prepare_lock:
            if database not in self._histories:
                arguments = self.connect_args(database, user="postgres")
                self._histories[database] = QueryHistory(
                    lambda: psycopg2.connect(**arguments), database, self.settings.query_history
                )
            return self._histories[database]

    def serve(self) -> None:
        while not self._stopping.is_set():
            try:
                sock, address = self.listener.accept()
            except TimeoutError:
                self._threads = [thread for thread in self._threads if thread.is_alive()]
                continue
            except OSError:
                if self._stopping.is_set():
                    break
                raise
            sock.settimeout(_AUTHENTICATION_TIMEOUT)  # until the client is in, as PostgreSQL's own limit
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            thread = threading.Thread(target=self._serve_client, args=(sock, address), daemon=True)
            self._threads.append(thread)
            thread.start()
        self._close_all()

    def stop(self) -> None:
        """Stop accepting; end every client's session (their open transactions roll back)."""
        self._stopping.set()

    def _close_all(self) -> None:
        self.listener.close()
        with self._sessions_lock:
            waiting = [sock for sock, _ in self._sessions.values()]
        for sock in waiting:  # a session waiting for its client ends now, with 57P01
            m.wake_reader(sock)
        for thread in self._threads:
            thread.join(timeout=10)
        for history in self._histories.values():
            history.close()

    # --- one client ------------------------------------------------------------------------------------

    def _serve_client(self, sock: socket.socket, address: Any) -> None:
        key = self._register(sock)
        client = m.Channel(sock, name=m.CLIENT)
        backend: Backend | None = None
        session: ClientSession | None = None
        try:
            client, startup = self._startup(client, key)
            if startup is None:
                return
            backend, database, redshift_driver, protocol = startup
            client.sock.settimeout(None)
            client.stop = self._stopping  # from now on, a stop ends the session at its next read
            with self._sessions_lock:
                self._sessions[key] = (client.sock, backend)
            session = ClientSession(
                self, client, backend, database, redshift_driver=redshift_driver, protocol=protocol
            )
            session.serve()
        except m.EndpointStopping:
            log.debug("connection from %s ended by the stop", _peer(address))
        except m.ClientClosed:
            log.debug("connection from %s closed by the client", _peer(address))
        except m.ProtocolError as exc:
            log.info("connection from %s ended: %s", _peer(address), exc)
        except Exception:
            log.exception("connection from %s ended by an endpoint error", _peer(address))
        finally:
            with self._sessions_lock:
                self._sessions.pop(key, None)
            if session is not None:
                session.close_side_connection()
            if backend is not None:
                backend.close()  # the backend rolls back whatever the client left half-done
            with contextlib.suppress(m.ProtocolError):
                if session is not None and self._stopping.is_set():
                    client.write(m.error_response(_SHUTDOWN_MESSAGE, "57P01", severity="FATAL"))
                client.flush()
            client.sock.close()

    def _register(self, sock: socket.socket) -> tuple[int, int]:
        with self._sessions_lock:
            self._next_pid += 1
            key = (self._next_pid, secrets.randbits(31))
            self._sessions[key] = (sock, None)
        return key

    def _startup(
        self, client: m.Channel, key: tuple[int, int]
    ) -> tuple[m.Channel, tuple[Backend, str, bool, int] | None]:
        """The client's channel (TLS or not) and, once it is in, its backend session and database."""
        client, parameters = self._read_startup(client)
        if parameters is None:
            return client, None
        return client, self._admit(client, parameters, key)

    def _admit(
        self, client: m.Channel, parameters: dict[str, str], key: tuple[int, int]
    ) -> tuple[Backend, str, bool, int] | None:
        """The client's backend session, its database, whether it is a Redshift driver and the result
        transfer granted it; None when it was turned away."""
        user = parameters.get("user", "")
        if not user:
            return self._fatal(client, "no PostgreSQL user name specified in startup packet", "28000")
        redshift_driver = bool(_REDSHIFT_DRIVER_PARAMETERS & set(parameters))
        database = parameters.get("database") or user
        accepted = {
            name: value
            for name, value in parameters.items()
            if name not in _NEVER_FORWARDED and (name.lower() in self.known_settings or name in _STARTUP_ONLY)
        }
        # The backend starts while the client proves its password (PostgreSQL's own work of a login, in
        # parallel with the client's): nothing runs on it, nor is anything of it told, before the client
        # is in; a refused client's is closed.  A database not yet prepared is prepared first, after.
        early = self._early_backend(user, database, accepted)
        try:
            self._authenticate(client, user, redshift_driver=redshift_driver)
        except psycopg2.OperationalError:
            return self._not_running(client, early)
        except AuthenticationFailed as exc:
            log.info("password authentication failed for user %r", user)
            _close(early)
            return self._fatal(client, str(exc), INVALID_PASSWORD)
        except BaseException:
            _close(early)
            raise
        try:
            backend = early or self._start_backend(user, database, accepted, prepare=True)
            backend.finish_startup()
        except (BackendUnavailable, psycopg2.OperationalError):
            return self._not_running(client)
        except BackendError as exc:
            client.write(m.message(b"E", exc.payload))
            return None
        except psycopg2.Error as exc:
            return self._fatal(client, str(exc).strip().splitlines()[0], exc.pgcode or "XX000")
        protocol = identity.granted_protocol(parameters)
        _send_login_record(backend, client, parameters, protocol or 0)
        for greeting in identity.greeting(backend.greeting, protocol):
            client.write(greeting)
        client.write(m.message(b"K", m.int32(key[0]) + m.int32(key[1])))
        client.write(m.ready_for_query(backend.status))
        return backend, database, redshift_driver, protocol or 0

    def _authenticate(self, client: m.Channel, user: str, *, redshift_driver: bool) -> None:
        """Prove the client knows ``user``'s password, or raise :class:`AuthenticationFailed`."""
        if user != self.master.name:
            # An unknown user goes through the same md5 exchange as a known one, as in PostgreSQL: the
            # client cannot tell a wrong name from a wrong password.
            login = self._find_login(user) or logins.StoredLogin(user, None, None)
            logins.authenticate(client, login, redshift_driver=redshift_driver)
        elif redshift_driver:
            self.master.authenticate_md5(client, user)
        else:
            self.master.authenticate(client, user)

    def _early_backend(self, user: str, database: str, accepted: dict[str, str]) -> Backend | None:
        """The client's backend session, started before its password is checked, when its database is
        prepared and the server answers; else None (started after, as :meth:`_start_backend`)."""
        if database not in self._prepared:
            return None
        try:
            return self._start_backend(user, database, accepted, prepare=False)
        except BackendUnavailable:
            return None

    def _start_backend(self, user: str, database: str, accepted: dict[str, str], *, prepare: bool) -> Backend:
        """A backend session of the client's role, its startup sent (:meth:`Backend.finish_startup` reads
        the answers): the client's accepted startup parameters, then the emulation's settings."""
        if prepare:
            self._prepare_database(database)
        # The backend signs in as the client's own role, so PostgreSQL enforces its privileges, and
        # nothing the client sends can change that: SET ROLE and SET SESSION AUTHORIZATION are
        # PostgreSQL's to refuse, and RESET ROLE returns to this role.  (An endpoint signed in as
        # one role for all, switching with SET ROLE, would be undone by the client's RESET ROLE.)
        parameters = {
            "user": user,
            "database": database,
            **adapter.REDSHIFT_STRING_SETTINGS,
            **accepted,
            **adapter.session_settings(self.known_settings),
        }
        return Backend(self.socket_path, parameters, wait=False)

    def _not_running(self, client: m.Channel, started: Backend | None = None) -> None:
        _close(started)
        text = f"the embedded PostgreSQL in {self.settings.data_dir} is not running: restart the endpoint"
        return self._fatal(client, text, "57P03")  # cannot_connect_now

    def _find_login(self, user: str) -> logins.StoredLogin | None:
        admin = _connect(self.connect_args("postgres", user="postgres"))
        try:
            return logins.find_login(admin, user)
        finally:
            admin.close()

    def _read_startup(self, client: m.Channel) -> tuple[m.Channel, dict[str, str] | None]:
        """The startup parameters, after TLS and GSSAPI requests are answered; None for a CancelRequest."""
        while True:
            code, payload = client.read_startup()
            if code == m.SSL_REQUEST and self.tls_context is None:
                client.sock.sendall(b"N")
                continue
            if code == m.SSL_REQUEST:
                if client.inbox:  # bytes sent before the TLS handshake would be trusted wrongly
                    raise m.ProtocolError("data after SSLRequest before the TLS handshake")
                client.sock.sendall(b"S")
                try:
                    tls_sock = self.tls_context.wrap_socket(client.sock, server_side=True)
                except (ssl.SSLError, OSError) as exc:
                    raise m.ProtocolError(f"TLS handshake failed: {exc}") from None
                client = m.Channel(tls_sock, name=client.name)
                continue
            if code == m.GSSENC_REQUEST:
                client.sock.sendall(b"N")
                continue
            if code == m.CANCEL_REQUEST:
                if len(payload) >= 8:
                    self._cancel(m.unpack_int32(payload), m.unpack_int32(payload, 4))
                return client, None
            if code >> 16 != 3:
                self._fatal(client, f"unsupported frontend protocol {code >> 16}.{code & 0xFFFF}", "0A000")
                return client, None
            parameters = m.parse_startup_parameters(payload)
            options = [name for name in parameters if name.startswith("_pq_.")]
            if code & 0xFFFF or options:
                # Protocol 3.0 and no extensions: say so, and go on (NegotiateProtocolVersion).
                body = m.int32(m.PROTOCOL_3_0) + m.int32(len(options)) + b"".join(map(m.cstring, options))
                client.write(m.message(b"v", body))
            return client, {name: value for name, value in parameters.items() if name not in options}

    def _fatal(self, client: m.Channel, text: str, sqlstate: str) -> None:
        client.write(m.error_response(text, sqlstate, severity="FATAL"))
        return None

    def _cancel(self, pid: int, secret: int) -> None:
        with self._sessions_lock:
            entry = self._sessions.get((pid, secret))
        if entry is not None and entry[1] is not None:
            try:
                entry[1].cancel()
            except OSError as exc:
                log.info("cancel request not delivered: %s", exc.strerror)

    def _prepare_database(self, database: str) -> None:
        """Once per database the endpoint serves: the emulation's shims, stl_load_errors among them."""
        with self._prepare_lock:
            if database in self._prepared:
                return
            exists = _connect(self.connect_args("postgres", user="postgres"))
            try:
                with exists.cursor() as cursor:
                    cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
                    if cursor.fetchone() is None:
                        return  # the backend answers the client with PostgreSQL's own error
            finally:
                exists.close()
            admin = _connect(self.connect_args(database, user="postgres"))
            try:
                adapter.prepare_database(admin)
            finally:
                admin.close()
            self._prepared.add(database)


def _send_login_record(
    backend: Backend, client: m.Channel, parameters: dict[str, str], protocol: int
) -> None:
    """The session's line in stl_connection_log; its settings came with the startup
    (adapter.session_settings).  Its answer is read before the client's first request is relayed
    (ClientSession.finish_setup): the client is in without waiting for the INSERT's round trip."""
    login_record = identity.connection_log_insert(
        parameters, _remote(client.sock), isinstance(client.sock, ssl.SSLSocket), protocol
    )
    backend.send(m.message(b"Q", m.cstring(login_record)))
    backend.channel.flush()


def _close(backend: Backend | None) -> None:
    if backend is not None:
        backend.close()


def _connect(arguments: dict[str, Any]) -> Any:
    connection = psycopg2.connect(**arguments)
    connection.autocommit = True
    return connection


def _remote(sock: socket.socket) -> tuple[str, int] | None:
    try:
        address = sock.getpeername()
    except OSError:
        return None
    return (str(address[0]), int(address[1])) if isinstance(address, tuple) else None


def _peer(address: Any) -> str:
    return f"{address[0]}:{address[1]}" if isinstance(address, tuple) else str(address)

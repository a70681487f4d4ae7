"""A Redshift on localhost: a PostgreSQL-wire endpoint in front of the embedded PostgreSQL.

Any PostgreSQL or Redshift client connects to it as to a cluster: the master user's password is checked
here, every statement goes through the one SQL emulation
(:func:`sparkify.engine.sql.adapter.translate`), and COPY from S3 or local files runs server-side in the
emulator, inside the client's own transaction.
"""

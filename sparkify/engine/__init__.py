"""The engine: a Redshift on localhost (SQL emulation, COPY, UNLOAD, the embedded PostgreSQL and
the wire-protocol endpoint).  It never imports the toolkit around it; it takes its settings as plain
values."""

"""The engine: a Redshift on localhost (SQL emulation, COPY, UNLOAD, the embedded PostgreSQL, the
wire-protocol endpoint and the Data API in front of it).  It never imports the toolkit around it; it takes
its settings as plain values."""

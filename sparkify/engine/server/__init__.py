"""The embedded PostgreSQL: starting, reusing, recovering and stopping it."""

"""UNLOAD: a query's result written as Redshift writes it, to S3 or a local path."""

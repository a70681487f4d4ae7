"""The Redshift Data API on localhost: an HTTP service speaking the Data API's wire format (AWS JSON 1.1,
``X-Amz-Target: RedshiftData.*``) that runs every statement through the local endpoint, as a client of it
over PostgreSQL's wire protocol, so a statement meets exactly the emulation any driver meets.

``python -m sparkify.engine.data_api --endpoint-port 5439 --port 0`` serves it; boto3 reaches it with
``AWS_ENDPOINT_URL_REDSHIFT_DATA=http://127.0.0.1:<port>``.
"""

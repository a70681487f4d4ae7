"""The AWS side of the warehouse: an IAM role, a Redshift cluster or Serverless workgroup, network access.

``iac/cluster.py`` drives it; each module here has one job (settings, IAM, network, the two kinds of
warehouse, the config-file edit, the cost estimate) so that tests can drive each against moto or a stub.
"""

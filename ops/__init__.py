"""Day-2 operations for the Aurora platform, with boto3: ``python -m ops COMMAND``.

Commands: verify, failover, snapshot, restore, backtrack, export (see docs/ops.md).
"""

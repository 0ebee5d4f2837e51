"""Day-2 operations for the Aurora platform, with boto3: ``python -m ops COMMAND``.

Commands: verify, failover, snapshot, restore, backtrack, export, status, wait (see docs/ops.md).
"""

__version__ = "1.1.0"

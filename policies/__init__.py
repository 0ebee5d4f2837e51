"""The aurora-platform CrossGuard pack: `policies.rules` in-process; `__main__.py` serves it to the CLI."""

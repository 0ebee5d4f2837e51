"""`aurora-platform:database.s3Export`, `s3Import`, `lambdaInvoke`: AWS services called from SQL.

Aurora PostgreSQL's `aws_s3` extension exports query results to S3 and imports files from it; `aws_lambda` invokes
Lambda functions. Each needs an IAM role associated with the cluster for that feature (`s3Export`, `s3Import`,
`Lambda`), and here each role is scoped to one bucket prefix or to named functions. Aurora MySQL reaches the same
services through cluster parameters (`aws_default_s3_role`, `aws_default_lambda_role`) and other SQL; not built here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .reader import Section

# S3 bucket naming rules (general purpose buckets): 3-63 lowercase letters, digits, dots and hyphens, starting and
# ending with a letter or digit; no IP-address shape, no "xn--" prefix, no "-s3alias" suffix.
BUCKET = r"(?!xn--)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](?<!-s3alias)"
# A key prefix: a folder path ending in "/", no "*" or "?" (they would widen the IAM resource), no "..".
PREFIX = r"([A-Za-z0-9!_.'()-]+/)+"
# An S3 object key is at most 1024 bytes (Amazon S3 User Guide, "Naming Amazon S3 objects"): the prefix takes at most
# half, the rest is for the names of the files exported or imported under it (the prefix is ASCII: bytes = characters).
PREFIX_MAX = 512
# A Lambda function name (1-64 letters, digits, hyphens, underscores) in the stack's account and region.
FUNCTION = r"[A-Za-z0-9_-]{1,64}"
FEATURES = {"s3Export": "s3Export", "s3Import": "s3Import", "lambdaInvoke": "Lambda"}


@dataclass(frozen=True)
class S3Access:
    enabled: bool = False
    # s3Import only: the bucket files are read from. s3Export always writes to the stack's own bucket.
    bucket_name: str | None = None
    prefix: str = "exports/"
    expiration_days: int = 0


@dataclass(frozen=True)
class LambdaAccess:
    enabled: bool = False
    functions: tuple[str, ...] = ()


def _prefix_ok(value: str) -> bool:
    return bool(re.fullmatch(PREFIX, value)) and ".." not in value and len(value) <= PREFIX_MAX


def _s3(section: Section, name: str, engine: str, default_prefix: str) -> S3Access:
    sub = section.section(name)
    problems = sub.problems
    enabled = sub.boolean("enabled", False)
    bucket = None
    if name == "s3Import":
        # Exports always go to the stack's own bucket (private, TLS-only, under the database key), which the gate
        # can verify; imports read from a bucket of whoever delivers the files.
        bucket = sub.string("bucketName", None, pattern=BUCKET,
                            allowed="an S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens, starting "
                                    "and ending with a letter or digit")
    prefix = sub.string("prefix", default_prefix, check=_prefix_ok,
                        allowed=f"a key prefix ending in /, e.g. \"exports/\" (letters, digits, !_.'()- and /; no "
                                f"wildcards, no ..; at most {PREFIX_MAX} characters)")
    expiration = 0
    if name == "s3Export":
        expiration = sub.integer("expirationDays", 0, minimum=0, maximum=3650,
                                  allowed="0 (keep exports) or 1 to 3650 days after which S3 deletes an export")
    sub.finish()
    if not enabled:
        if sub.raw and set(sub.raw) - {"enabled"}:
            problems.add_text(sub.key, "sets values but not enabled: true")
        return S3Access(prefix=default_prefix)
    if engine != "aurora-postgresql":
        problems.add_text(f"{sub.key}.enabled", f"is built for engine aurora-postgresql (the aws_s3 extension); "
                                                f"engine is {problems.shown(f'{section.key}.engine', engine)}")
    if name == "s3Import" and bucket is None and not sub.has("bucketName"):
        problems.add_text(f"{sub.key}.bucketName", "is required: the bucket the files to import are read from")
    return S3Access(enabled=True, bucket_name=bucket, prefix=prefix, expiration_days=expiration)


def parse_sql_services(section: Section, engine: str) -> tuple[S3Access, S3Access, LambdaAccess]:
    """`section` is `database`."""
    export = _s3(section, "s3Export", engine, "exports/")
    import_ = _s3(section, "s3Import", engine, "imports/")
    sub = section.section("lambdaInvoke")
    problems = sub.problems
    enabled = sub.boolean("enabled", False)
    functions = sub.string_list(
        "functions", [], item_allowed="a Lambda function name",
        check=lambda v: None if re.fullmatch(FUNCTION, v) else
        "a Lambda function name of this account and region: 1-64 letters, digits, - and _ (no ARN, no wildcard)")
    sub.finish()
    if not enabled:
        if sub.raw and set(sub.raw) - {"enabled"}:
            problems.add_text(sub.key, "sets values but not enabled: true")
        return export, import_, LambdaAccess()
    if engine != "aurora-postgresql":
        problems.add_text(f"{sub.key}.enabled", f"is built for engine aurora-postgresql (the aws_lambda extension); "
                                                f"engine is {problems.shown(f'{section.key}.engine', engine)}")
    if not sub.has("functions"):
        problems.add_text(f"{sub.key}.functions", "is required: the names of the functions SQL may invoke")
    elif len(set(functions)) != len(functions):
        problems.add_text(f"{sub.key}.functions", "names a function twice; allowed: each once")
    elif sub.raw["functions"] == []:
        # The role's policy would name no function: IAM refuses a statement without resources at deploy.
        problems.add_text(f"{sub.key}.functions", "is empty; allowed: at least one function name, or enabled: false")
    return export, import_, LambdaAccess(enabled=True, functions=tuple(functions))

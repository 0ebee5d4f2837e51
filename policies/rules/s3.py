"""S3 buckets: public access blocked, no public bucket policy or ACL, TLS-only bucket policy, exports under a CMK.

pulumi-aws v7 has two bucket types (`aws.s3.Bucket` and the deprecated alias `aws.s3.BucketV2`) and configures a
bucket through separate resources (`BucketPublicAccessBlock`, `BucketPolicy`, `BucketServerSideEncryption-
Configuration(V2)`, `BucketAcl(V2)`), besides the bucket's own deprecated inline `policy`, `acl`, `grants` and
`serverSideEncryptionConfiguration`. A separate resource belongs to a bucket through the property dependency of its
`bucket` argument (`bucket=b.id`); by value (the bucket's name or id) only when no dependency was recorded, as in
an old state file. An RDS snapshot export task (`aws.rds.ExportTask`) names its bucket in `s3BucketName`: that
bucket holds database exports and must be encrypted with a customer-managed key.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from fnmatch import fnmatchcase
from typing import Any

from pulumi_policy import PolicyResource

from . import _policy
from ._base import (
    MANDATORY,
    ResourceRule,
    StackRule,
    as_list,
    aws_managed_key,
    depends_on,
    flag,
    has,
    has_dependency,
    known,
    label,
)

BUCKET = "aws:s3/bucket:Bucket"
BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
BUCKETS = (BUCKET, BUCKET_V2)
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
ACCOUNT_PUBLIC_ACCESS_BLOCK = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
BUCKET_ACL = "aws:s3/bucketAcl:BucketAcl"
BUCKET_ACL_V2 = "aws:s3/bucketAclV2:BucketAclV2"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
SSE_V2 = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
EXPORT_TASK = "aws:rds/exportTask:ExportTask"

BLOCK_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
PUBLIC_ACLS = ("public-read", "public-read-write", "authenticated-read")
PUBLIC_GRANTEES = ("acs.amazonaws.com/groups/global/AllUsers", "acs.amazonaws.com/groups/global/AuthenticatedUsers")
KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")
# A TLS-only statement must deny these (and with them every other S3 action) to everyone.
S3_ACTIONS = ("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "s3:GetBucketPolicy",
              "s3:PutBucketPolicy")
PUBLIC_HINT = ("name the principals, or add a condition on aws:PrincipalOrgID, aws:PrincipalAccount or "
               "aws:SourceVpce that limits callers to known accounts or networks.")



def _bucket_name(bucket: PolicyResource) -> str | None:
    for key in ("bucket", "id"):
        if isinstance(known(bucket.props, key), str):
            return bucket.props[key]
    return None


def _belongs_to(resource: PolicyResource, prop: str, bucket: PolicyResource) -> bool:
    if has_dependency(resource, prop):
        return depends_on(resource, prop, bucket)
    if not has(resource.props, prop):
        return False
    value = resource.props[prop]
    # The bucket argument takes the bucket's name; an ARN is accepted by some tools, compare its name part.
    if isinstance(value, str) and value.startswith("arn:"):
        value = value.rsplit(":", 1)[-1]
    return value is not None and value in {known(bucket.props, k) for k in ("bucket", "id")} - {None}


def _of_bucket(resources: list[PolicyResource], types: tuple[str, ...], prop: str,
               bucket: PolicyResource) -> list[PolicyResource]:
    return [r for r in resources if r.resource_type in types and _belongs_to(r, prop, bucket)]


# ---- public access block (Security Hub S3.8, S3.1) -------------------------------------------------------------

def _public_access_blocked(resources: list[PolicyResource], _args: Any) -> Iterator[tuple[str, str | None]]:
    for block in resources:
        if block.resource_type in (PUBLIC_ACCESS_BLOCK, ACCOUNT_PUBLIC_ACCESS_BLOCK):
            off = [f for f in BLOCK_FLAGS if flag(block.props, f) is not True]
            if off:
                yield f"{label(block)} must set {', '.join(off)} to true.", block.urn
    for bucket in resources:
        if bucket.resource_type in BUCKETS and not _of_bucket(resources, (PUBLIC_ACCESS_BLOCK,), "bucket", bucket):
            yield (f"{label(bucket)} has no BucketPublicAccessBlock; add one (bucket=<this bucket>.id) with "
                   f"{', '.join(BLOCK_FLAGS)} true.", bucket.urn)


# ---- no public bucket policy or ACL (Security Hub S3.2, S3.3) --------------------------------------------------

def _acl_findings(props: Mapping[str, Any]) -> Iterator[str]:
    if has(props, "acl") and str(props["acl"]).strip().lower() in PUBLIC_ACLS:
        yield f"acl {str(props['acl']).strip()} opens the bucket to everyone; use private (or no ACL)."
    grants = list(as_list(props.get("grants")))
    policy = props.get("accessControlPolicy")
    if isinstance(policy, Mapping):
        grants += [g.get("grantee") for g in as_list(policy.get("grants")) if isinstance(g, Mapping)]
    for grant in grants:
        uri = str(grant.get("uri") or "") if isinstance(grant, Mapping) else ""
        if any(group.lower() in uri.lower() for group in PUBLIC_GRANTEES):
            yield f"a grant to {uri} opens the bucket to everyone; grant to accounts or canonical users only."


def _no_public_policy(props: Mapping[str, Any], args: Any) -> Iterator[str]:
    if has(props, "policy"):
        yield from _policy.public_statement_findings(_policy.load(props["policy"]), PUBLIC_HINT)
    if args.resource_type != BUCKET_POLICY:
        yield from _acl_findings(props)


# ---- TLS only (Security Hub S3.5) ------------------------------------------------------------------------------

def _covers_all_s3(statement: _policy.Statement) -> bool:
    if statement.not_actions is not None:
        return not any(_policy.matches(p, a) for p in statement.not_actions for a in S3_ACTIONS)
    return any(all(_policy.matches(p, a) for a in S3_ACTIONS) for p in statement.actions or [])


def _covers_bucket(statement: _policy.Statement, name: str | None) -> bool:
    """The statement's resources include the bucket and its objects (any name when the name is not known)."""
    if statement.not_resources is not None:
        return False
    # Resources are matched as written, blanks included: whether S3 strips, refuses or reads literally an ARN with
    # blanks around it is not established, and only the last would leave the bucket open; such a statement does not
    # count (the finding asks for a plain ARN).
    patterns = statement.resources or []
    if name is None:
        return any(p.endswith("/*") for p in patterns) or "*" in patterns

    def covered(target: str) -> bool:
        for pattern in patterns:
            partition = pattern.split(":")[1] if pattern.startswith("arn:") and pattern.count(":") >= 2 else "aws"
            if fnmatchcase(f"arn:{partition}:s3:::{target}", pattern.replace("[", "[[]")):
                return True
        return False

    return covered(name) and covered(f"{name}/any-object")


def _denies_plain_http(statement: _policy.Statement) -> bool:
    for operator, key, values in statement.conditions:
        if operator.casefold() in ("bool", "boolifexists") and key.casefold() == "aws:securetransport" and \
                values and all(v.strip().lower() == "false" for v in values):
            return True
    return False


def tls_only(document: Mapping[str, Any] | None, name: str | None) -> bool:
    return any(s.denies and s.not_principals is None and "*" in [p for _, p in s.principals or []]
               and _covers_all_s3(s) and _covers_bucket(s, name) and _denies_plain_http(s)
               for s in _policy.statements(document))


def _tls_only(resources: list[PolicyResource], _args: Any) -> Iterator[tuple[str, str | None]]:
    for bucket in resources:
        if bucket.resource_type not in BUCKETS:
            continue
        name = _bucket_name(bucket)
        documents = [p.props["policy"] for p in _of_bucket(resources, (BUCKET_POLICY,), "bucket", bucket)
                     if has(p.props, "policy")]
        if has(bucket.props, "policy"):
            documents.append(bucket.props["policy"])
        if not any(tls_only(_policy.load(d), name) for d in documents):
            yield (f"{label(bucket)} has no bucket policy statement that denies s3:* on the bucket and its objects "
                   f'to Principal "*" when aws:SecureTransport is false; add one.', bucket.urn)


# ---- customer-managed keys for export buckets (Security Hub S3.17) ---------------------------------------------

def _encryption_defaults(resources: list[PolicyResource], bucket: PolicyResource) -> list[tuple[str, Mapping]]:
    """(where, applyServerSideEncryptionByDefault) for the bucket's inline and separate SSE configurations."""
    found: list[tuple[str, Mapping]] = []
    inline = bucket.props.get("serverSideEncryptionConfiguration")
    if isinstance(inline, Mapping) and isinstance(inline.get("rule"), Mapping):
        default = inline["rule"].get("applyServerSideEncryptionByDefault")
        if isinstance(default, Mapping):
            found.append((f"{label(bucket)} serverSideEncryptionConfiguration", default))
    for config in _of_bucket(resources, (SSE, SSE_V2), "bucket", bucket):
        for i, rule in enumerate(as_list(config.props.get("rules"))):
            default = rule.get("applyServerSideEncryptionByDefault") if isinstance(rule, Mapping) else None
            if isinstance(default, Mapping):
                found.append((f"{label(config)} rules[{i}]", default))
    return found


def _key_findings(where: str, default: Mapping) -> Iterator[str]:
    algorithm = str(default.get("sseAlgorithm"))
    if algorithm not in KMS_ALGORITHMS:
        yield f"{where} uses sseAlgorithm {algorithm}; use aws:kms with a customer-managed kmsMasterKeyId."
    elif not has(default, "kmsMasterKeyId") or not str(default["kmsMasterKeyId"]).strip():
        yield f"{where} uses {algorithm} without kmsMasterKeyId, which is the AWS-managed aws/s3 key; name a " \
              f"customer-managed KMS key."
    elif aws_managed_key(default["kmsMasterKeyId"]):
        yield f"{where} names {str(default['kmsMasterKeyId']).strip()}, an AWS-managed key; name a " \
              f"customer-managed KMS key."


def _export_cmk(resources: list[PolicyResource], _args: Any) -> Iterator[tuple[str, str | None]]:
    tasks = [r for r in resources if r.resource_type == EXPORT_TASK]
    for task in tasks:
        if has(task.props, "kmsKeyId") and aws_managed_key(task.props["kmsKeyId"]):
            yield (f"{label(task)} kmsKeyId {task.props['kmsKeyId'].strip()} is an AWS-managed key; exports must "
                   f"be encrypted with a customer-managed KMS key.", task.urn)
    for bucket in resources:
        if bucket.resource_type not in BUCKETS:
            continue
        defaults = _encryption_defaults(resources, bucket)
        exports = [t for t in tasks if _belongs_to(t, "s3BucketName", bucket)]
        if exports and not defaults:
            names = ", ".join(t.name for t in exports)
            yield (f"{label(bucket)} holds exports ({names}) but has no default encryption; add a "
                   f"BucketServerSideEncryptionConfiguration with aws:kms and a customer-managed kmsMasterKeyId.",
                   bucket.urn)
        for where, default in defaults:
            for finding in _key_findings(where, default):
                # Every bucket that names a KMS key must name a customer key; only export buckets must use KMS.
                if exports or str(default.get("sseAlgorithm")) in KMS_ALGORITHMS:
                    yield finding, bucket.urn


POLICIES = [
    StackRule(
        "s3-bucket-public-access-blocked",
        "Every S3 bucket must have a public access block with all four settings true",
        ("Security Hub S3.8", "Security Hub S3.1"), MANDATORY,
        (*BUCKETS, PUBLIC_ACCESS_BLOCK, ACCOUNT_PUBLIC_ACCESS_BLOCK), _public_access_blocked),
    ResourceRule(
        "s3-bucket-no-public-policy",
        "S3 bucket policies and ACLs must not grant access to everyone",
        ("Security Hub S3.2", "Security Hub S3.3"), MANDATORY,
        (*BUCKETS, BUCKET_POLICY, BUCKET_ACL, BUCKET_ACL_V2), _no_public_policy),
    StackRule(
        "s3-bucket-tls-only",
        "Every S3 bucket policy must deny requests that do not use TLS",
        ("Security Hub S3.5",), MANDATORY, (*BUCKETS, BUCKET_POLICY), _tls_only),
    StackRule(
        "s3-export-bucket-cmk",
        "S3 buckets that hold database exports, and any bucket that names a KMS key, must use a customer-managed key",
        ("Security Hub S3.17", "Checkov CKV_AWS_145"), MANDATORY,
        (*BUCKETS, SSE, SSE_V2, EXPORT_TASK), _export_cmk),
]

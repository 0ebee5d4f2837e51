"""The application's own database login: the `blog_app` role's password, kept like the master's.

The application used to log in as the master user. Now it logs in as `blog_app` (db/roles.py: read and write the
blog's tables, no DDL, no ledger), with a password generated here, held in Pulumi state only as a secret and in an
SSM SecureString under the database key, handed to the task through `secrets` and readable only by the task's
execution role (`grant_password_read`: exactly that parameter, exactly that key, through SSM, for that parameter).

The role itself and its password inside PostgreSQL are set by the migration runner (`python -m ops migrate --stack S
apply` reads this parameter, `appPasswordParameterName`, and sends the password as a SCRAM verifier). The master
password stays for administrators and migrations; the app task can no longer read it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from db.roles import APP

from .aurora import PASSWORD_LENGTH, PASSWORD_SPECIALS, password_read_policy


@dataclass
class AppDatabaseRoleArgs:
    project: str
    stack: str
    # The database key (AuroraCluster.kms_key_arn): the same key as the master password's parameter.
    kms_key_arn: pulumi.Input[str]
    tags: Mapping[str, str]
    # A new version generates and stores a new password; `ops migrate ... apply` then sets it on the role.
    password_version: int = 1
    protect: bool = False


@dataclass
class DatabaseLogin:
    """What the application task needs to log in as its own role (components/app.py takes this, not the class)."""

    user: str
    password_value_from: pulumi.Input[str]
    grant_password_read: object  # (name, aws.iam.Role) -> aws.iam.RolePolicy


def app_password_parameter_name(project: str, stack: str) -> str:
    return f"/{project}/{stack}/database/app-password"


class AppDatabaseRole(pulumi.ComponentResource):
    def __init__(self, name: str, args: AppDatabaseRoleArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("aurora-platform:database:AppDatabaseRole", name, None, opts)
        self._name = name
        child = pulumi.ResourceOptions(parent=self)
        self.user = APP
        generated = random.RandomPassword(
            f"{name}-password", length=PASSWORD_LENGTH, special=True, override_special=PASSWORD_SPECIALS,
            min_upper=2, min_lower=2, min_numeric=2, min_special=2,
            keepers={"passwordVersion": str(args.password_version)}, opts=child)
        self.password = pulumi.Output.secret(generated.result)
        tags = {**args.tags, "Name": f"{args.project}-{args.stack}-{APP}-password"}
        # Write-only, as the master's: the provider never reads the value back into state.
        self.parameter = aws.ssm.Parameter(
            f"{name}-password", name=app_password_parameter_name(args.project, args.stack), type="SecureString",
            key_id=args.kms_key_arn, value_wo=self.password, value_wo_version=args.password_version,
            description=f"Password of the database role {APP} (the application's login; set by ops migrate)",
            tags=tags, opts=pulumi.ResourceOptions(parent=self, protect=args.protect))
        self._key_arn = args.kms_key_arn
        self._region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self)).region
        self.parameter_name = self.parameter.name
        self.parameter_arn = self.parameter.arn
        self.register_outputs({"user": self.user, "parameterName": self.parameter_name,
                               "parameterArn": self.parameter_arn})

    def grant_password_read(self, name: str, role: aws.iam.Role) -> aws.iam.RolePolicy:
        """Read exactly this parameter and decrypt exactly it (the same shape as the master password's grant)."""
        document = pulumi.Output.all(self.parameter_arn, self._key_arn, self._region).apply(
            lambda values: json.dumps(password_read_policy("ssm", *values)))
        return aws.iam.RolePolicy(f"{self._name}-{name}-password-read", role=role.id, policy=document,
                                  opts=pulumi.ResourceOptions(parent=self))

    def login(self) -> DatabaseLogin:
        return DatabaseLogin(user=self.user, password_value_from=self.parameter_arn,
                             grant_password_read=self.grant_password_read)

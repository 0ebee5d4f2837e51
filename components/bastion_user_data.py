"""The bastion's first-boot script: database client, the RDS CA bundle, and `/usr/local/bin/db-connect`.

The script carries names only (host, database, user, the password's SSM parameter or secret ARN), never a secret:
`db-connect` fetches the password at run time into the client's environment (never echoed, never written to disk) and
opens a TLS session that verifies the server certificate and host name against the RDS CA bundle.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

CA_BUNDLE_URL = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"
CA_BUNDLE_PATH = "/etc/pki/rds/global-bundle.pem"
HELPER_PATH = "/usr/local/bin/db-connect"
# Amazon Linux 2023 package names: the PostgreSQL 16 client (psql) and the MariaDB 10.5 client (mariadb/mysql),
# which speaks the MySQL protocol Aurora MySQL uses. AL2023 ships no Oracle MySQL client.
CLIENT_PACKAGES = {"aurora-postgresql": "postgresql16", "aurora-mysql": "mariadb105"}
PASSWORD_SOURCES = ("ssm", "secretsmanager", "prompt")
HEREDOC_END = "DB_CONNECT_EOF"
# dnf's repository URLs are https://al2023-repos-$awsregion-de612dc2.s3$dualstack.$awsregion.$awsdomain/...; the
# dual-stack S3 names are not served by an S3 gateway endpoint, the regional ones are. An empty `dualstack` variable
# makes dnf use the regional name (amazonlinux/amazon-linux-2023 issue #535; see docs/bastion.md, Limits).
DNF_DUALSTACK_VAR = "/etc/dnf/vars/dualstack"


@dataclass(frozen=True)
class ConnectionTarget:
    engine: str                 # "aurora-postgresql" | "aurora-mysql"
    host: str                   # the cluster's writer endpoint
    port: int
    database: str
    user: str
    region: str
    password_source: str        # "ssm" (SecureString parameter) | "secretsmanager" (RDS-managed master password)
    #                             | "prompt" (the password lives elsewhere, e.g. with a global database's primary)
    password_reference: str     # the parameter name, or the secret ARN ("" for prompt)


def _password_command(target: ConnectionTarget) -> str | None:
    region = shlex.quote(target.region)
    reference = shlex.quote(target.password_reference)
    if target.password_source == "ssm":
        return (f"aws ssm get-parameter --region {region} --name {reference} --with-decryption "
                f"--query Parameter.Value --output text")
    if target.password_source == "secretsmanager":
        # The RDS-managed secret is a JSON document {"username": ..., "password": ...}.
        return (f"aws secretsmanager get-secret-value --region {region} --secret-id {reference} "
                f"--query SecretString --output text "
                f"| python3 -c 'import json, sys; print(json.load(sys.stdin)[\"password\"])'")
    if target.password_source == "prompt":
        return None
    raise ValueError(f"password_source must be one of {', '.join(PASSWORD_SOURCES)}, not {target.password_source!r}")


def render_helper(target: ConnectionTarget) -> str:
    """`db-connect [client arguments...]`: a TLS session to the writer, as the master user, with verification."""
    if target.engine == "aurora-postgresql":
        client = "psql"
        variable = "PGPASSWORD"
        conninfo = (f"host={target.host} port={target.port} dbname={target.database} user={target.user} "
                    f"sslmode=verify-full sslrootcert={CA_BUNDLE_PATH}")
        run = f'exec psql {shlex.quote(conninfo)} "$@"'
    elif target.engine == "aurora-mysql":
        # MariaDB client flags: --ssl-verify-server-cert checks the certificate chain against --ssl-ca and the host
        # name, the equivalent of MySQL's --ssl-mode=VERIFY_IDENTITY (which the MariaDB client does not accept).
        client = "mariadb"
        variable = "MYSQL_PWD"
        args = [f"--host={target.host}", f"--port={target.port}", f"--user={target.user}", "--ssl",
                f"--ssl-ca={CA_BUNDLE_PATH}", "--ssl-verify-server-cert", f"--database={target.database}"]
        run = f'exec mariadb {" ".join(shlex.quote(a) for a in args)} "$@"'
    else:
        raise ValueError(f"engine must be one of {', '.join(CLIENT_PACKAGES)}, not {target.engine!r}")
    command = _password_command(target)
    if command is None:
        # psql prompts by itself when the server asks for a password; the MariaDB client needs --password.
        password = []
        run = run.replace(' "$@"', ' --password "$@"') if client == "mariadb" else run
    else:
        password = [f'{variable}="$({command})"', f"export {variable}"]
    return "\n".join([
        "#!/bin/bash",
        f"# {HELPER_PATH}: open a TLS session to the {target.engine} writer with certificate verification.",
        "# The password is read at run time into the client's environment only: never echoed, never written to disk.",
        "set -euo pipefail",
        f"if ! command -v {client} >/dev/null; then",
        f'  echo "db-connect: {client} is not installed yet; see /var/log/cloud-init-output.log" >&2',
        "  exit 1",
        "fi",
        f"if [ ! -s {CA_BUNDLE_PATH} ]; then",
        f'  echo "db-connect: the RDS CA bundle {CA_BUNDLE_PATH} is missing; download {CA_BUNDLE_URL} to it" >&2',
        "  exit 1",
        "fi",
        *password,
        run,
        "",
    ])


def render_user_data(target: ConnectionTarget, *, regional_s3_endpoint: bool = False) -> str:
    """The cloud-init script (bash). The helper is written first, so it exists and explains itself even when the
    package or CA download fails (e.g. a private subnet with no way out). `regional_s3_endpoint`: the packages come
    through an S3 gateway endpoint (no NAT), so dnf must use the regional S3 name rather than the dual-stack one."""
    package = CLIENT_PACKAGES.get(target.engine)
    if package is None:
        raise ValueError(f"engine must be one of {', '.join(CLIENT_PACKAGES)}, not {target.engine!r}")
    helper = render_helper(target)
    if HEREDOC_END in helper:
        raise ValueError(f"the helper must not contain the heredoc terminator {HEREDOC_END}")
    ca_dir = CA_BUNDLE_PATH.rsplit("/", 1)[0]
    return "\n".join([
        "#!/bin/bash",
        "# aurora-platform bastion, first boot: database client, RDS CA bundle, db-connect helper. Contains no secret.",
        "set -euo pipefail",
        f"cat > {HELPER_PATH} <<'{HEREDOC_END}'",
        helper.rstrip("\n"),
        HEREDOC_END,
        f"chmod 0755 {HELPER_PATH}",
        *([f": > {DNF_DUALSTACK_VAR}"] if regional_s3_endpoint else []),
        f"dnf install -y {package}",
        f"install -d -m 0755 {ca_dir}",
        f"curl --fail --silent --show-error --location --retry 5 --proto '=https' --output {CA_BUNDLE_PATH}.tmp "
        f"{CA_BUNDLE_URL}",
        f"mv {CA_BUNDLE_PATH}.tmp {CA_BUNDLE_PATH}",
        f"chmod 0644 {CA_BUNDLE_PATH}",
        "",
    ])

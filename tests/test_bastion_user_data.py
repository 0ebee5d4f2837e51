"""The bastion's first-boot script and its db-connect helper, rendered and then actually run with stand-in clients."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from components import bastion_user_data
from components.bastion_user_data import (
    CA_BUNDLE_PATH,
    CA_BUNDLE_URL,
    HELPER_PATH,
    ConnectionTarget,
    render_helper,
    render_user_data,
)
from tests.conftest import needs_tool

HOST = "database.cluster-abc.us-east-1.rds.amazonaws.com"
PASSWORD = "Xy9#k!pQ(2)z-Secret"
BASH = shutil.which("bash")
SHELLCHECK = shutil.which("shellcheck")
VARIANTS = [(engine, source) for engine in ("aurora-postgresql", "aurora-mysql")
            for source in ("ssm", "secretsmanager", "prompt")]


def target(engine="aurora-postgresql", source="ssm", reference="/aurora-platform/dev/database/master-password"):
    return ConnectionTarget(engine=engine, host=HOST, port=5432 if engine == "aurora-postgresql" else 3306,
                            database="app", user="dbadmin", region="us-east-1", password_source=source,
                            password_reference=reference)


def helper_from(user_data: str) -> str:
    """The helper exactly as the user data writes it (between the heredoc markers)."""
    lines = user_data.splitlines()
    start = lines.index(f"cat > {HELPER_PATH} <<'{bastion_user_data.HEREDOC_END}'") + 1
    end = lines.index(bastion_user_data.HEREDOC_END, start)
    return "\n".join(lines[start:end]) + "\n"


@pytest.mark.parametrize(("engine", "package"), [("aurora-postgresql", "postgresql16"), ("aurora-mysql", "mariadb105")])
def test_user_data_installs_the_client_and_the_rds_ca_bundle_and_writes_the_helper(engine, package):
    script = render_user_data(target(engine))
    assert script.startswith("#!/bin/bash\n")
    assert "set -euo pipefail" in script and "set -x" not in script
    assert f"dnf install -y {package}\n" in script
    assert f"--output {CA_BUNDLE_PATH}.tmp {CA_BUNDLE_URL}" in script and CA_BUNDLE_URL.startswith("https://")
    assert f"chmod 0755 {HELPER_PATH}" in script
    # the helper is written before anything that can fail for lack of a network
    assert script.index(HELPER_PATH) < script.index("dnf install")
    assert helper_from(script) == render_helper(target(engine))
    assert "/etc/dnf/vars" not in script  # dnf as AWS ships it, unless packages come through the S3 endpoint
    if BASH:
        subprocess.run([BASH, "-n"], input=script, text=True, check=True)


def test_behind_an_s3_gateway_endpoint_dnf_uses_the_regional_s3_name_before_installing():
    script = render_user_data(target(), regional_s3_endpoint=True)
    assert f": > {bastion_user_data.DNF_DUALSTACK_VAR}\n" in script
    assert script.index(bastion_user_data.DNF_DUALSTACK_VAR) < script.index("dnf install")


def test_postgresql_helper_verifies_the_server_certificate_and_host_name():
    helper = render_helper(target())
    assert (f"'host={HOST} port=5432 dbname=app user=dbadmin sslmode=verify-full sslrootcert={CA_BUNDLE_PATH}'"
            in helper)
    assert ("aws ssm get-parameter --region us-east-1 --name /aurora-platform/dev/database/master-password "
            "--with-decryption --query Parameter.Value --output text") in helper


def test_mysql_helper_verifies_the_server_certificate_and_host_name():
    helper = render_helper(target("aurora-mysql"))
    assert (f"exec mariadb --host={HOST} --port=3306 --user=dbadmin --ssl --ssl-ca={CA_BUNDLE_PATH} "
            f"--ssl-verify-server-cert --database=app") in helper


def test_secrets_manager_passwords_are_read_from_the_managed_secret():
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-abc-Ab12Cd"
    helper = render_helper(target(source="secretsmanager", reference=arn))
    assert f"aws secretsmanager get-secret-value --region us-east-1 --secret-id '{arn}' --query SecretString" in helper
    assert "aws ssm" not in helper


@pytest.mark.parametrize("bad", [{"engine": "oracle"}, {"password_source": "vault"}])
def test_unknown_engines_and_password_sources_are_refused(bad):
    values = {**target().__dict__, **bad}
    with pytest.raises(ValueError):
        render_user_data(ConnectionTarget(**values))


def _fake_bin(directory: Path, name: str, body: str) -> None:
    path = directory / name
    path.write_text(f"#!/bin/bash\n{body}\n")
    path.chmod(0o755)


@needs_tool(BASH, "bash", "apt-get install bash")
@pytest.mark.parametrize(("engine", "source", "client", "variable"), [
    ("aurora-postgresql", "ssm", "psql", "PGPASSWORD"),
    ("aurora-mysql", "ssm", "mariadb", "MYSQL_PWD"),
    ("aurora-postgresql", "secretsmanager", "psql", "PGPASSWORD"),
])
def test_the_helper_hands_the_password_to_the_client_by_environment_only(tmp_path, monkeypatch, engine, source,
                                                                          client, variable):
    bundle = tmp_path / "global-bundle.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    monkeypatch.setattr(bastion_user_data, "CA_BUNDLE_PATH", str(bundle))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    secret_json = '{"username": "dbadmin", "password": "' + PASSWORD + '"}'
    value = PASSWORD if source == "ssm" else secret_json
    _fake_bin(bin_dir, "aws", f"echo \"$*\" >> {tmp_path}/aws.args\nprintf '%s\\n' '{value}'")
    _fake_bin(bin_dir, client, f'printf "%s\\n" "$@" > {tmp_path}/client.args\n'
                               f'printf "%s" "${variable}" > {tmp_path}/client.password')
    helper = tmp_path / "db-connect"
    helper.write_text(render_helper(target(engine, source, "arn:x" if source == "secretsmanager" else "/p")))
    result = subprocess.run([BASH, str(helper), "-c", "select 1"], capture_output=True, text=True,
                            env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}, check=False)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "client.password").read_text() == PASSWORD
    client_args = (tmp_path / "client.args").read_text()
    assert PASSWORD not in client_args and PASSWORD not in result.stdout + result.stderr
    assert client_args.endswith("-c\nselect 1\n")  # extra arguments go to the client
    assert str(bundle) in client_args


def _reference(source: str) -> str:
    return {"ssm": "/p", "secretsmanager": "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!c-Ab12",
            "prompt": ""}[source]


@needs_tool(SHELLCHECK, "shellcheck", "apt-get install shellcheck")
@pytest.mark.parametrize(("engine", "source"), VARIANTS)
@pytest.mark.parametrize("regional", [False, True])
def test_the_rendered_scripts_pass_shellcheck(engine, source, regional):
    """The helper is checked on its own: inside the user data it is a quoted heredoc, which shellcheck skips."""
    rendered = target(engine, source, _reference(source))
    for script in (render_user_data(rendered, regional_s3_endpoint=regional), render_helper(rendered)):
        result = subprocess.run([SHELLCHECK, "--shell=bash", "--severity=style", "-"], input=script, text=True,
                                capture_output=True, check=False)
        assert result.returncode == 0, result.stdout


@needs_tool(BASH, "bash", "apt-get install bash")
@pytest.mark.parametrize(("engine", "source"), [v for v in VARIANTS if v[1] != "prompt"])
def test_when_the_password_cannot_be_read_the_client_is_not_started(tmp_path, monkeypatch, engine, source):
    bundle = tmp_path / "global-bundle.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    monkeypatch.setattr(bastion_user_data, "CA_BUNDLE_PATH", str(bundle))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _fake_bin(bin_dir, "aws", 'echo "An error occurred (AccessDeniedException)" >&2; exit 254')
    client = "psql" if engine == "aurora-postgresql" else "mariadb"
    _fake_bin(bin_dir, client, f"touch {tmp_path}/client.started")
    helper = tmp_path / "db-connect"
    helper.write_text(render_helper(target(engine, source, _reference(source))))
    result = subprocess.run([BASH, str(helper)], capture_output=True, text=True, check=False,
                            env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"})
    assert result.returncode != 0 and "AccessDeniedException" in result.stderr
    assert not (tmp_path / "client.started").exists()  # no session attempted with an empty password


@needs_tool(BASH, "bash", "apt-get install bash")
def test_the_helper_stops_with_a_clear_message_when_the_ca_bundle_is_missing(tmp_path, monkeypatch):
    monkeypatch.setattr(bastion_user_data, "CA_BUNDLE_PATH", str(tmp_path / "absent.pem"))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _fake_bin(bin_dir, "psql", "exit 0")
    _fake_bin(bin_dir, "aws", f"touch {tmp_path}/aws.called")
    helper = tmp_path / "db-connect"
    helper.write_text(render_helper(target()))
    result = subprocess.run([BASH, str(helper)], capture_output=True, text=True, check=False,
                            env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"})
    assert result.returncode == 1
    assert f"the RDS CA bundle {tmp_path / 'absent.pem'} is missing" in result.stderr
    assert not (tmp_path / "aws.called").exists()  # no password fetched for a connection that cannot be verified


@pytest.mark.parametrize(("engine", "run"), [("aurora-postgresql", "exec psql '"),
                                             ("aurora-mysql", '--password "$@"')])
def test_without_a_password_to_read_the_client_prompts_for_it(engine, run):
    """A global database secondary: the password lives with the primary, so nothing is fetched or granted."""
    helper = render_helper(target(engine, source="prompt", reference=""))
    assert "aws " not in helper and "PGPASSWORD" not in helper and "MYSQL_PWD" not in helper
    assert run in helper

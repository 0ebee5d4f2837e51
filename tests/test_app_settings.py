"""`aurora-platform:app` settings and the container-definition builder: one exact message per mistake."""

import pytest

from components.app_container import container_definitions
from components.settings import SettingsError, load_settings
from components.settings.app import FARGATE_MEMORY, AppSettings, valid_image

KEY = "aurora-platform:app"
IMAGE = "ghcr.io/aurora-platform/blog:1.0.0"
# What the refusals say is allowed, written out once for the tests that read them whole.
NAME_ALLOWED = "an environment variable name matching [A-Z_][A-Z0-9_]*"
PARAMETER_ALLOWED = ('an absolute SSM parameter name starting with "/" (letters, digits, . _ - and / only, not under '
                     '/aws or /ssm), e.g. "/blog/prod/session-key"')
PATH_ALLOWED = 'an absolute directory path, e.g. "/tmp" or "/app/.next/cache" (not "/", no "." or ".." parts)'


def app(values: dict, environment: str = "development") -> AppSettings:
    return load_settings({"environment": environment, "app": {"image": IMAGE, **values}}, "dev", "us-east-1").app


def problems(values: dict, environment: str = "development", with_image: bool = True) -> list[str]:
    section = {"image": IMAGE, **values} if with_image else values
    with pytest.raises(SettingsError) as caught:
        load_settings({"environment": environment, "app": section}, "dev", "us-east-1")
    return caught.value.problems


def test_no_app_section_means_no_application_tier():
    assert load_settings({}, "dev", "us-east-1").app is None


def test_defaults_are_the_smallest_safe_task():
    settings = app({})
    assert (settings.cpu, settings.memory, settings.container_port, settings.desired_count) == (256, 512, 3000, 1)
    assert settings.readonly_root_filesystem is True and settings.user == "1000"
    assert settings.create_service is True and settings.enable_execute_command is False
    assert settings.iam_database_auth is False and settings.secrets == {} and settings.environment == {}
    assert settings.ca_bundle_path == "/etc/ssl/certs/rds-global-bundle.pem"


def test_memory_defaults_to_the_smallest_valid_size_for_the_cpu():
    assert app({"cpu": 1024}).memory == 2048
    assert app({"cpu": "4096", "memory": "30720"}).memory == 30720


def test_every_listed_fargate_pair_is_accepted_and_the_table_matches_the_aws_one():
    assert FARGATE_MEMORY[256] == (512, 1024, 2048)
    assert FARGATE_MEMORY[512] == (1024, 2048, 3072, 4096)
    assert FARGATE_MEMORY[8192][0] == 16384 and FARGATE_MEMORY[8192][-1] == 61440 and len(FARGATE_MEMORY[8192]) == 12
    assert FARGATE_MEMORY[16384][0] == 32768 and FARGATE_MEMORY[16384][-1] == 122880
    assert app({"cpu": 16384, "memory": 122880}).memory == 122880


@pytest.mark.parametrize("image", [
    "ghcr.io/aurora-platform/blog:1.0.0", "123456789012.dkr.ecr.us-east-1.amazonaws.com/blog:2026-11-27",
    "public.ecr.aws/docker/library/node:22-alpine", "localhost:5000/blog:dev", "blog:1",
    "ghcr.io/org/blog@sha256:" + "a" * 64, "ghcr.io/org/blog:1.2@sha256:" + "0" * 64,
])
def test_image_references_with_a_tag_or_digest_are_accepted(image):
    assert valid_image(image)
    assert app({"image": image}).image == image


def test_a_missing_image_is_named():
    assert problems({"cpu": 256}, with_image=False) == [
        f"{KEY}.image: is required: exactly one of build (build the image from this repository's Dockerfile and "
        "push it to the stack's ECR repository) or reference (run this existing image); a reference is a container "
        "image reference with a tag or digest, e.g. \"123456789012.dkr.ecr.us-east-1.amazonaws.com/blog:1.4.2\" or "
        "\"ghcr.io/org/blog@sha256:<64 hex>\", build is e.g. {build: {context: \".\", dockerfile: Dockerfile}}"]
    assert problems({}, with_image=False)[0].startswith(f"{KEY}.image: is required")


def test_an_image_written_as_null_is_missing_not_an_unknown_setting():
    # YAML `image:` with nothing after it: the one problem is the missing image, not "unknown setting" beside it.
    [problem] = problems({"image": None}, with_image=False)
    assert problem.startswith(f"{KEY}.image: is required: exactly one of build")


@pytest.mark.parametrize("image", ["", "ghcr.io/org/blog", "Blog:1.0", "ghcr.io/org/blog:", "blog:1.0 ", 42,
                                   "ghcr.io/org/blog@sha256:abc"])
def test_a_bad_image_reference_is_named(image):
    [problem] = problems({"image": image})
    assert problem.startswith(f"{KEY}.image: got ") and "allowed: a container image reference with a tag" in problem


def test_production_refuses_latest_but_development_takes_it():
    assert app({"image": "ghcr.io/org/blog:latest"}).image == "ghcr.io/org/blog:latest"
    assert problems({"image": "ghcr.io/org/blog:latest"}, "production") == [
        f'{KEY}.image: got "ghcr.io/org/blog:latest"; allowed: in production, a pinned tag or a digest ("latest" '
        'changes under a running service, and a rollback would not bring the old image back)']
    pinned = "ghcr.io/org/blog:latest@sha256:" + "f" * 64
    assert app({"image": pinned}, "production").image == pinned


def test_cpu_and_memory_must_be_a_fargate_pair():
    assert problems({"cpu": 256, "memory": 4096}) == [
        f"{KEY}.memory: got 4096; allowed: with cpu 256 on Fargate: 512, 1024 or 2048 (MiB)"]
    assert problems({"cpu": 1024, "memory": 1536}) == [
        f"{KEY}.memory: got 1536; allowed: with cpu 1024 on Fargate: 2048 to 8192 in steps of 1024 (MiB)"]
    assert problems({"cpu": 8192, "memory": 20000}) == [
        f"{KEY}.memory: got 20000; allowed: with cpu 8192 on Fargate: 16384 to 61440 in steps of 4096 (MiB)"]


def test_a_bad_cpu_is_reported_once_not_again_as_a_memory_mismatch():
    assert problems({"cpu": 300, "memory": 4096}) == [
        f"{KEY}.cpu: got 300; allowed: one of the Fargate task CPU units: 256, 512, 1024, 2048, 4096, 8192, 16384"]


@pytest.mark.parametrize(("port", "shown"), [(0, "0"), (70000, "70000"), ("http", '"http"')])
def test_container_port_must_be_a_tcp_port(port, shown):
    assert problems({"containerPort": port}) == [f"{KEY}.containerPort: got {shown}; allowed: a whole number from 1 "
                                                 "to 65535"]


@pytest.mark.parametrize(("count", "shown"), [(-1, "-1"), (101, "101"), (1.5, "1.5")])
def test_desired_count_is_bounded(count, shown):
    assert problems({"desiredCount": count}) == [f"{KEY}.desiredCount: got {shown}; allowed: a whole number from 0 "
                                                 "to 100"]


def test_a_secret_must_name_an_absolute_parameter():
    assert problems({"secrets": {"DATABASE_URL": "my/param"}}) == [
        f'{KEY}.secrets.DATABASE_URL: got "my/param"; allowed: {PARAMETER_ALLOWED}']
    assert len(problems({"secrets": {"A": "/aws/reserved", "B": "/ok/but space", "C": 7}})) == 3


def test_environment_variable_names_are_checked():
    assert problems({"environment": {"node-env": "production"}}) == [
        f'{KEY}.environment.node-env: the name "node-env" is not allowed; allowed: {NAME_ALLOWED}']
    assert problems({"secrets": {"1KEY": "/blog/key"}}) == [
        f'{KEY}.secrets.1KEY: the name "1KEY" is not allowed; allowed: {NAME_ALLOWED}']


def test_every_bad_variable_name_is_reported_not_only_the_first():
    assert problems({"environment": {"node-env": "production", "NODE_ENV": "production", "log level": "debug"}}) == [
        f'{KEY}.environment.node-env: the name "node-env" is not allowed; allowed: {NAME_ALLOWED}',
        f'{KEY}.environment.log level: the name "log level" is not allowed; allowed: {NAME_ALLOWED}']


@pytest.mark.parametrize(("given", "shown"), [(["NODE_ENV=production"], '["NODE_ENV=production"]'),
                                              ("NODE_ENV=production", '"NODE_ENV=production"')])
def test_environment_and_secrets_must_be_mappings_of_names(given, shown):
    assert problems({"environment": given}) == [
        f"{KEY}.environment: got {shown}; allowed: a mapping of {NAME_ALLOWED} to a string (quote numbers)"]
    assert problems({"secrets": given}) == [
        f"{KEY}.secrets: got {shown}; allowed: a mapping of {NAME_ALLOWED} to {PARAMETER_ALLOWED}"]


@pytest.mark.parametrize("name", ["PGHOST", "PGPASSWORD", "DB_HOST", "PGSSLMODE", "PGSSLCERT", "DB_SSL_CA"])
def test_names_the_platform_sets_are_reserved(name):
    [env_problem] = problems({"environment": {name: "x"}})
    assert env_problem.startswith(f'{KEY}.environment.{name}: the name "{name}" is not allowed; allowed: a name the '
                                  "platform does not set itself (reserved: DB_HOST, DB_HOST_READER")
    assert env_problem.endswith("and every name starting with PGSSL or DB_SSL)")
    [secret_problem] = problems({"secrets": {name: "/blog/x"}})
    assert secret_problem.startswith(f"{KEY}.secrets.{name}: the name")


def test_a_secret_looking_environment_variable_is_sent_to_secrets():
    assert problems({"environment": {"SESSION_SECRET": "hunter2"}}) == [
        f'{KEY}.environment.SESSION_SECRET: the name "SESSION_SECRET" reads like a secret, and environment values '
        f"are plain text in the task definition; put it under {KEY}.secrets as an SSM parameter name instead"]


def test_a_variable_comes_from_one_place_only():
    assert problems({"environment": {"APP_KEY_ID": "x"}, "secrets": {"APP_KEY_ID": "/blog/key-id"}}) == [
        f'{KEY}.secrets.APP_KEY_ID: the name "APP_KEY_ID" is also set under {KEY}.environment; a variable comes '
        "from one place only"]


def test_the_secrets_key_must_be_a_kms_key_in_the_stack_region_and_needs_secrets():
    key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    assert app({"secrets": {"SESSION_KEY": "/blog/session"}, "secretsKmsKeyArn": key}).secrets_kms_key_arn == key
    other_region = key.replace("us-east-1", "eu-west-1")
    assert problems({"secrets": {"SESSION_KEY": "/blog/session"}, "secretsKmsKeyArn": other_region}) == [
        f'{KEY}.secretsKmsKeyArn: got "{other_region}"; allowed: a KMS key ARN in us-east-1, e.g. '
        '"arn:aws:kms:us-east-1:123456789012:key/<key id>"']
    assert problems({"secrets": {"SESSION_KEY": "/blog/session"}, "secretsKmsKeyArn": "alias/aws/ssm"})[0].startswith(
        f'{KEY}.secretsKmsKeyArn: got "alias/aws/ssm"; allowed: a KMS key ARN')
    assert problems({"secretsKmsKeyArn": key}) == [
        f"{KEY}.secretsKmsKeyArn: is set but there are no secrets; remove it or add entries under {KEY}.secrets"]


@pytest.mark.parametrize("user", ["root", "0", "0:0", "root:staff", "00", "0000:1000"])
def test_the_container_user_is_never_root(user):
    [problem] = problems({"user": user})
    assert problem.startswith(f'{KEY}.user: got "{user}"; allowed: a non-root user for the container')


def test_iam_database_auth_needs_a_user_and_a_user_needs_iam_auth():
    assert app({"iamDatabaseAuth": True, "iamDatabaseUser": "blog_app"}).iam_database_user == "blog_app"
    assert problems({"iamDatabaseAuth": True}) == [
        f"{KEY}.iamDatabaseUser: is required when {KEY}.iamDatabaseAuth is true: the database user the task "
        "connects as with an IAM token (created with GRANT rds_iam / AWSAuthenticationPlugin)"]
    assert problems({"iamDatabaseUser": "blog_app"}) == [
        f"{KEY}.iamDatabaseUser: is only used when {KEY}.iamDatabaseAuth is true; set that too or remove it"]


def test_writable_paths_must_be_absolute_and_distinct():
    assert problems({"writablePaths": ["tmp"]})[0].startswith(f'{KEY}.writablePaths[0]: got "tmp"; allowed: an '
                                                              "absolute directory path")
    assert problems({"writablePaths": ["/a-b", "/a/b"]})[0].startswith(f'{KEY}.writablePaths: got ["/a-b", "/a/b"]; '
                                                                       "allowed: distinct paths")


def test_unknown_keys_and_every_problem_come_together():
    found = problems({"cpus": 2, "cpu": 256, "memory": 4096, "desiredCount": 500}, with_image=False)
    assert len(found) == 4
    assert f"{KEY}.cpus: unknown setting; known settings here: " in found[-1]


@pytest.mark.parametrize(("values", "attribute", "expected"), [
    ({"containerName": "blog-web"}, "container_name", "blog-web"),
    ({"cpu": 1024}, "cpu", 1024),
    ({"cpuArchitecture": "ARM64"}, "cpu_architecture", "ARM64"),
    ({"containerPort": 8080}, "container_port", 8080),
    ({"user": "node"}, "user", "node"),
    ({"secrets": {"SESSION_KEY": "/blog/session"}}, "secrets", {"SESSION_KEY": "/blog/session"}),
    ({"caBundlePath": "/etc/ssl/certs/custom.pem"}, "ca_bundle_path", "/etc/ssl/certs/custom.pem"),
    ({"logRetentionDays": 90}, "log_retention_days", 90),
    ({"containerInsights": "enhanced"}, "container_insights", "enhanced"),
], ids=["containerName", "cpu", "cpuArchitecture", "containerPort", "user", "secrets", "caBundlePath",
        "logRetentionDays", "containerInsights"])
def test_a_setting_written_is_the_value_the_task_gets(values, attribute, expected):
    assert getattr(app(values), attribute) == expected


def test_the_settings_left_out_take_their_documented_defaults():
    settings = app({})
    assert (settings.container_name, settings.cpu_architecture) == ("app", "X86_64")
    assert (settings.log_retention_days, settings.container_insights) == (30, "enabled")
    assert settings.writable_paths == ("/tmp",)


USER_ALLOWED = ('a non-root user for the container: "uid", "uid:gid", "user" or "user:group" (not root, not uid 0), '
                'e.g. "1000" or "node"')
MEMORY_ALLOWED = "a whole number of MiB valid for the task's cpu on Fargate"


@pytest.mark.parametrize(("values", "expected"), [
    ({"containerName": "-web"}, 'containerName: got "-web"; allowed: 1-255 letters, digits, hyphens and underscores, '
                                "starting with a letter or digit"),
    ({"cpuArchitecture": "arm64"}, 'cpuArchitecture: got "arm64"; allowed: X86_64, ARM64. Did you mean "ARM64"?'),
    ({"containerInsights": "disabled"}, 'containerInsights: got "disabled"; allowed: enabled, enhanced. Did you mean '
                                        '"enabled"?'),
    ({"user": "bad user!"}, f'user: got "bad user!"; allowed: {USER_ALLOWED}'),
    ({"user": "root"}, f'user: got "root"; allowed: {USER_ALLOWED}'),
    ({"secrets": {"SESSION_KEY": 7}}, f"secrets.SESSION_KEY: got 7; allowed: {PARAMETER_ALLOWED}"),
    ({"secrets": {"PGHOST": "/blog/x"}}, 'secrets.PGHOST: the name "PGHOST" is not allowed; allowed: a name the '
                                         "platform does not set itself (reserved: DB_HOST, DB_HOST_READER, DB_NAME, "
                                         "DB_PASSWORD, DB_PORT, DB_SSL_CA, DB_SSL_MODE, DB_USER, PGDATABASE, PGHOST, "
                                         "PGHOST_READER, PGPASSWORD, PGPORT, PGSSLMODE, PGSSLROOTCERT, PGUSER, and "
                                         "every name starting with PGSSL or DB_SSL)"),
    ({"iamDatabaseAuth": True, "iamDatabaseUser": "1blog"},
     'iamDatabaseUser: got "1blog"; allowed: a database user name (letters, digits, underscore; 1-63 characters, not '
     "starting with a digit)"),
    ({"iamDatabaseAuth": True, "iamDatabaseUser": "dbadmin"},
     'iamDatabaseUser: got "dbadmin"; allowed: an application user other than the master user '
     "(aurora-platform:database.masterUsername)"),
    # 0 and below are no size at all; 1 is a size, just not one Fargate has for the cpu.
    ({"memory": 0}, f"memory: got 0; allowed: {MEMORY_ALLOWED}"),
    ({"memory": -512}, f"memory: got -512; allowed: {MEMORY_ALLOWED}"),
    ({"memory": "lots"}, f'memory: got "lots"; allowed: {MEMORY_ALLOWED}'),
    ({"memory": 1}, "memory: got 1; allowed: with cpu 256 on Fargate: 512, 1024 or 2048 (MiB)"),
    ({"writablePaths": [5]}, f"writablePaths[0]: got 5; allowed: {PATH_ALLOWED}"),
    ({"writablePaths": ["/a-b", "/a/b"]}, 'writablePaths: got ["/a-b", "/a/b"]; allowed: distinct paths (each '
                                          'becomes a task volume named after it, e.g. "/app/.next/cache" -> '
                                          '"app-next-cache")'),
    ({"writablePaths": [f"/p{i}" for i in range(11)]},
     'writablePaths: got ["/p0", "/p1", "/p2", "/p3", "/p4", "/p5", "/p6", "/p7", "/p8", "/p9", "/p10"]; allowed: '
     "at most 10 paths"),
], ids=["containerName", "cpuArchitecture", "containerInsights", "user-pattern", "user-root", "secret-not-text",
        "secret-reserved", "iamDatabaseUser-pattern", "iamDatabaseUser-master", "memory-zero", "memory-negative",
        "memory-text", "memory-one", "writablePaths-item", "writablePaths-distinct", "writablePaths-too-many"])
def test_each_refusal_is_one_message_naming_the_key_the_value_and_what_fits(values, expected):
    assert problems(values) == [f"{KEY}.{expected}"]


@pytest.mark.parametrize("path", ["/..", "/tmp/..", "/.", "/app/./cache"])
def test_a_writable_path_with_dot_parts_is_refused_as_it_can_name_the_root(path):
    # "/.." is "/" itself: a writable volume there would undo the read-only root filesystem.
    assert problems({"writablePaths": [path]}) == [
        f'{KEY}.writablePaths[0]: got "{path}"; allowed: {PATH_ALLOWED}']


def test_ten_writable_paths_the_most_allowed_are_taken():
    paths = ["/p0", "/p1", "/p2", "/p3", "/p4", "/p5", "/p6", "/p7", "/p8", "/p9"]
    assert app({"writablePaths": paths}).writable_paths == tuple(paths)


def test_a_secret_parameter_name_may_be_2048_characters_and_no_more():
    # The SSM API's limit for a parameter name.
    longest = "/" + "a" * 2047
    assert app({"secrets": {"SESSION_KEY": longest}}).secrets == {"SESSION_KEY": longest}
    [problem] = problems({"secrets": {"SESSION_KEY": longest + "a"}})
    assert problem.startswith(f'{KEY}.secrets.SESSION_KEY: got "/aaa')
    assert problem.endswith(f"allowed: {PARAMETER_ALLOWED}")


def test_without_a_region_the_secrets_key_is_asked_for_in_the_stacks_region():
    values = {"app": {"image": IMAGE, "secrets": {"SESSION_KEY": "/blog/session"}, "secretsKmsKeyArn": "alias/aws/ssm"}}
    with pytest.raises(SettingsError) as caught:
        load_settings(values, "dev", None)
    assert caught.value.problems == [
        f'{KEY}.secretsKmsKeyArn: got "alias/aws/ssm"; allowed: a KMS key ARN in the stack\'s region, e.g. '
        '"arn:aws:kms:us-east-1:123456789012:key/<key id>"']


def test_an_app_behind_the_iam_only_proxy_must_use_iam_authentication():
    database = {"proxy": {"enabled": True}}
    with pytest.raises(SettingsError) as caught:
        load_settings({"database": database, "app": {"image": IMAGE}}, "dev", "us-east-1")
    assert caught.value.problems == [
        f"{KEY}.iamDatabaseAuth: must be true: the database's RDS Proxy (aurora-platform:database.proxy) accepts only "
        "IAM authentication tokens, so a task connecting with the password would be refused"]
    settings = load_settings({"database": database,
                              "app": {"image": IMAGE, "iamDatabaseAuth": True, "iamDatabaseUser": "blog_app"}},
                             "dev", "us-east-1")
    assert settings.app.iam_database_auth is True


# ---- the container definition builder ------------------------------------------------------------------------
def build(settings: AppSettings, engine: str = "aurora-postgresql", password: str | None = "arn:pw") -> dict:
    [container] = container_definitions(
        settings, engine=engine, writer_host="w.example", reader_host="r.example", port=5432, database_name="blog",
        user="dbadmin", password_value_from=password, extra_secret_arns={"SESSION_KEY": "arn:session"},
        log_group_name="/ecs/app", region="us-east-1")
    return container


def test_postgres_container_gets_libpq_names_and_the_password_only_as_a_secret():
    container = build(app({"environment": {"NODE_ENV": "production"}}))
    assert {e["name"]: e["value"] for e in container["environment"]} == {
        "PGHOST": "w.example", "PGHOST_READER": "r.example", "PGPORT": "5432", "PGDATABASE": "blog",
        "PGUSER": "dbadmin", "PGSSLMODE": "verify-full", "PGSSLROOTCERT": "/etc/ssl/certs/rds-global-bundle.pem",
        "NODE_ENV": "production"}
    assert container["secrets"] == [{"name": "PGPASSWORD", "valueFrom": "arn:pw"},
                                    {"name": "SESSION_KEY", "valueFrom": "arn:session"}]
    assert container["essential"] is True and container["user"] == "1000" and "privileged" not in container
    assert container["readonlyRootFilesystem"] is True
    assert container["mountPoints"] == [{"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False}]
    assert container["logConfiguration"]["logDriver"] == "awslogs"
    assert container["portMappings"] == [{"containerPort": 3000, "protocol": "tcp"}]


def test_mysql_container_gets_the_db_names_and_verify_identity():
    container = build(app({}), engine="aurora-mysql")
    environment = {e["name"]: e["value"] for e in container["environment"]}
    assert environment["DB_SSL_MODE"] == "VERIFY_IDENTITY" and environment["DB_HOST_READER"] == "r.example"
    assert set(environment) == {"DB_HOST", "DB_HOST_READER", "DB_PORT", "DB_NAME", "DB_USER", "DB_SSL_MODE",
                                "DB_SSL_CA"}
    assert {"name": "DB_PASSWORD", "valueFrom": "arn:pw"} in container["secrets"]


def test_no_password_secret_with_iam_auth_and_no_mounts_on_a_writable_root():
    container = build(app({"readonlyRootFilesystem": False}), password=None)
    assert [s["name"] for s in container["secrets"]] == ["SESSION_KEY"]
    assert container["readonlyRootFilesystem"] is False and "mountPoints" not in container


def test_an_unknown_engine_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown database engine 'aurora'"):
        build(app({}), engine="aurora")


def test_an_app_on_a_global_secondary_must_use_iam_authentication():
    """A secondary has no password of its own here: the mistake is reported with the others, before anything runs."""
    secondary = {"global": {"enabled": True, "role": "secondary", "identifier": "aurora-platform-prod"}}
    with pytest.raises(SettingsError) as caught:
        load_settings({"database": secondary, "app": {"image": IMAGE}}, "dev", "us-east-1")
    assert caught.value.problems == [
        f"{KEY}.iamDatabaseAuth: must be true: the database is a global database secondary "
        "(aurora-platform:database.global.role: secondary), which has no master password of its own here, so the "
        "task can only connect with IAM authentication (set iamDatabaseUser too)"]
    settings = load_settings({"database": secondary,
                              "app": {"image": IMAGE, "iamDatabaseAuth": True, "iamDatabaseUser": "blog_app"}},
                             "dev", "us-east-1")
    assert settings.app.iam_database_auth is True


def test_secret_looking_environment_is_refused_exactly_as_the_policy_pack_would():
    from components.settings.app import CREDENTIALS_IN_URL, SECRET_LOOKING
    from policies.rules import ecs

    # one pattern in two places (the pack must import on its own): they may never drift apart
    assert SECRET_LOOKING.pattern == ecs.SECRET_VARIABLE
    assert CREDENTIALS_IN_URL.pattern == ecs.CREDENTIALS_IN_URL.pattern
    found = problems({"environment": {"DB_PASS": "x", "SESSION_PASSPHRASE": "y", "APP_PWD": "z",
                                      "DATABASE_URL": "postgres://blog:hunter22@db:5432/blog",
                                      "PASSAGE": "fine", "HOME_URL": "https://example.com/a@b"}})
    secret_name = ("reads like a secret, and environment values are plain text in the task definition; put it under "
                   f"{KEY}.secrets as an SSM parameter name instead")
    assert found == [
        f'{KEY}.environment.DB_PASS: the name "DB_PASS" {secret_name}',
        f'{KEY}.environment.SESSION_PASSPHRASE: the name "SESSION_PASSPHRASE" {secret_name}',
        f'{KEY}.environment.APP_PWD: the name "APP_PWD" {secret_name}',
        f"{KEY}.environment.DATABASE_URL: the value is a URL with a password in it, and environment values are plain "
        f"text in the task definition; put it under {KEY}.secrets as an SSM parameter name instead",
    ]
    assert not any("hunter22" in p for p in found)


@pytest.mark.parametrize(("path", "volume"), [
    ("/app/.next/cache", "app-next-cache"), ("/var/Cache", "var-Cache"), ("/XML", "XML"), ("/@", "root"),
])
def test_each_writable_path_is_mounted_from_a_volume_named_after_it(path, volume):
    # The volume name is part of the task definition: it is written out here, not derived.
    container = build(app({"writablePaths": [path]}))
    assert container["mountPoints"] == [{"sourceVolume": volume, "containerPath": path, "readOnly": False}]

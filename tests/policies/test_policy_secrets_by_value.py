"""The secrets-by-value rules on single resources, through the SDK's analyzer: each spelling a secret may take on its
way into a plain-text property, the properties that may hold it, and what the rules cannot see."""

import base64
import gzip
import json
import shlex
from urllib.parse import quote, quote_plus

import pytest

from policies.rules.secrets import MIN_SECRET_LENGTH, KnownSecret, SecretContext, current, evaluating
from preflight.policy_eval import UNKNOWN, Resource

from .policy_helpers import analyzer, check, check_stack, resource

PLAIN_TEXT = "secret-value-not-in-plain-text"
EXPORT = "secret-value-not-in-plain-export"
HARD_CODED = "database-password-not-hard-coded"
TASK = "aws:ecs/taskDefinition:TaskDefinition"
INSTANCE = "aws:ec2/instance:Instance"
PARAMETER = "aws:ssm/parameter:Parameter"
CLUSTER = "aws:rds/cluster:Cluster"

# Characters that change under URL, form and JSON encoding, as generated passwords have.
PASSWORD = 'Zq7/"x+y z@w%~?'
FROM_CONFIG = KnownSecret(PASSWORD, "secure config app:dbPassword", source=True)
CONTEXT = SecretContext((FROM_CONFIG,))
FIX = ("; AWS shows this property in plain text. Pass the secret by reference instead (ECS secrets[].valueFrom, "
       "an SSM SecureString or Secrets Manager secret read at run time).")


def task(environment_value: str) -> dict:
    return {"family": "web", "containerDefinitions": json.dumps([{
        "name": "web", "image": "web:1", "environment": [{"name": "SETTING", "value": environment_value}]}])}


def plain_text(type_, props, context=CONTEXT, **extra):
    with evaluating(context):
        return check(PLAIN_TEXT, type_, props, **extra)


@pytest.mark.parametrize(("value", "how"), [
    (f"host=db password={PASSWORD}", ""),
    (f"postgres://app:{quote(PASSWORD, safe='')}@db/app", " (URL-encoded)"),
    (f"postgres://app:{quote(PASSWORD)}@db/app", " (URL-encoded)"),
    (f"user=app&password={quote_plus(PASSWORD)}", " (form-encoded)"),
    (base64.b64encode(PASSWORD.encode()).decode(), " (base64)"),
    (base64.urlsafe_b64encode(PASSWORD.encode()).decode().rstrip("="), " (base64url)"),
    (PASSWORD.encode().hex(), " (hex)"),
    (f"password={PASSWORD.upper()}", " (in another case)"),
    # Not aligned to 3 bytes: the secret's own base64 is not a substring of this one, only decoding finds it.
    (base64.b64encode(f"[client]\npassword = {PASSWORD}\n".encode()).decode(), " (as written, inside base64)"),
    (json.dumps({"db": {"password": PASSWORD}}), ""),  # JSON inside the JSON: searched as the structure
], ids=["dsn", "url-encoded", "url-encoded-keeping-slash", "form-encoded", "base64", "base64url", "hex", "upper",
        "inside-base64", "json-in-json"])
def test_each_spelling_of_the_secret_in_a_task_environment_is_found(value, how):
    [message] = plain_text(TASK, task(value))
    path = "containerDefinitions[web].environment[SETTING].value"
    if value.startswith("{"):
        path += ".db.password"
    assert message == f"{path} holds the secret from secure config app:dbPassword{how}{FIX}"


def test_a_shell_quoted_secret_is_found():
    quoted = SecretContext((KnownSecret("it's-a-secret", "secure config app:token", source=True),))
    script = f"#!/bin/sh\nrun --token {shlex.quote(quoted.secrets[0].plaintext)}\n"
    assert "it's-a-secret" not in script
    [message] = plain_text(INSTANCE, {"userData": script}, quoted)
    assert message.startswith("userData holds the secret from secure config app:token (shell-quoted);")


def test_a_json_escaped_secret_in_text_that_is_not_json_is_found():
    # A hand-built document that no longer parses, with the secret escaped as JSON writes it.
    broken = '{"password": ' + json.dumps(PASSWORD) + ", "
    [message] = plain_text(INSTANCE, {"userData": broken})
    assert message.startswith("userData holds the secret from secure config app:dbPassword (JSON-escaped);")


def test_gzip_compressed_base64_user_data_is_decoded():
    script = base64.b64encode(gzip.compress(f"#!/bin/sh\nexport PGPASSWORD='{PASSWORD}'\n".encode())).decode()
    assert plain_text("aws:ec2/launchTemplate:LaunchTemplate", {"userData": script}) == [
        f"userData holds the secret from secure config app:dbPassword (as written, inside base64){FIX}"]


def test_broken_gzip_and_binary_base64_are_ignored_not_fatal():
    broken = base64.b64encode(b"\x1f\x8b" + bytes(range(200))).decode()
    binary = base64.b64encode(bytes(range(256))).decode()
    assert plain_text(INSTANCE, {"userData": broken, "tags": {"Blob": binary}}) == []


def test_tags_descriptions_and_names_of_any_aws_type_are_searched():
    props = {"description": f"owner pw {PASSWORD}", "tags": {"Note": PASSWORD}, "name": f"x-{PASSWORD}"}
    messages = plain_text("aws:sns/topic:Topic", props)
    assert [m.split(" holds")[0] for m in messages] == ["description", "tags.Note", "name"]


def test_a_secret_in_the_resource_name_is_found():
    messages = plain_text("aws:sns/topic:Topic", {}, name=f"alerts-{quote(PASSWORD, safe='')}")
    assert messages == ["the resource's name holds the secret from secure config app:dbPassword (URL-encoded); "
                        "name it without the secret."]


def test_every_secret_found_in_one_property_is_reported_once_each():
    other = KnownSecret("generated-0123456789", "RandomPassword 'pw' result", source=True)
    messages = plain_text(INSTANCE, {"userData": f"A={PASSWORD}\nB={PASSWORD}\nC={other.plaintext}\n"},
                          SecretContext((FROM_CONFIG, other)))
    assert [m.split(";")[0] for m in messages] == [
        "userData holds the secret from secure config app:dbPassword",
        "userData holds the secret from RandomPassword 'pw' result"]


@pytest.mark.parametrize(("type_", "props"), [
    (CLUSTER, {"masterPassword": PASSWORD, "masterPasswordWo": PASSWORD}),
    ("aws:rds/instance:Instance", {"password": PASSWORD}),
    (PARAMETER, {"type": "SecureString", "value": PASSWORD, "valueWo": PASSWORD}),
    ("aws:secretsmanager/secretVersion:SecretVersion", {"secretString": json.dumps({"password": PASSWORD})}),
    ("aws:mq/broker:Broker", {"users": [{"username": "app", "password": PASSWORD}]}),
    ("aws:opensearch/domain:Domain",
     {"advancedSecurityOptions": {"masterUserOptions": {"masterUserPassword": PASSWORD}}}),
], ids=["cluster", "instance", "securestring", "secret-version", "mq-user", "opensearch-master"])
def test_properties_that_keep_a_secret_secret_may_hold_it(type_, props):
    assert plain_text(type_, props) == []


def test_an_ssm_string_parameter_shows_its_value_although_the_sdk_marks_value_secret():
    props = {"type": "String", "name": "/app/database-url", "value": f"postgres://app:{PASSWORD}@db/app"}
    [message] = plain_text(PARAMETER, props, additional_secret_outputs=["value", "valueWo"])
    assert message.startswith("value holds the secret from secure config app:dbPassword;")


def test_a_securestring_description_is_plain_text():
    props = {"type": "SecureString", "value": PASSWORD, "description": f"was {PASSWORD}"}
    assert [m.split(" holds")[0] for m in plain_text(PARAMETER, props)] == ["description"]


def test_a_provider_declared_secret_property_of_an_unlisted_type_may_hold_it_but_only_with_a_secret_name():
    props = {"adminPassword": PASSWORD, "containerDefinitions": f"[{PASSWORD}"}
    messages = plain_text("aws:example/thing:Thing", props,
                          additional_secret_outputs=["adminPassword", "containerDefinitions"])
    # Listing containerDefinitions as a secret output does not make ECS keep it secret.
    assert [m.split(" holds")[0] for m in messages] == ["containerDefinitions"]


def test_the_aws_provider_default_tags_are_plain_text_but_its_credentials_are_not():
    props = {"region": "us-east-1", "secretKey": PASSWORD, "defaultTags": {"tags": {"Owner": PASSWORD}}}
    messages = plain_text("pulumi:providers:aws", props)
    assert [m.split(" holds")[0] for m in messages] == ["defaultTags.tags.Owner"]


def test_secret_names_do_not_exempt_plain_text_places():
    props = {"tags": {"password": PASSWORD}, "environment": {"variables": {"DB_PASSWORD": PASSWORD}}}
    messages = plain_text("aws:lambda/function:Function", props)
    assert [m.split(" holds")[0] for m in messages] == ["tags.password", "environment.variables.DB_PASSWORD"]


def test_secret_valuefrom_is_plain_text_too():
    # secrets[].valueFrom takes a reference (an ARN); the secret itself there is shown in the task definition.
    props = {"containerDefinitions": json.dumps([{"name": "web", "secrets": [{"name": "PW", "valueFrom": PASSWORD}]}])}
    [message] = plain_text(TASK, props)
    assert message.startswith("containerDefinitions[web].secrets[PW].valueFrom holds")


def test_secrets_shorter_than_the_minimum_are_not_searched():
    assert MIN_SECRET_LENGTH == 8
    short = SecretContext((KnownSecret("5432aaa", "secure config app:port", source=True),))
    assert plain_text(INSTANCE, {"userData": "port 5432aaa"}, short) == []
    eight = SecretContext((KnownSecret("5432aaaa", "secure config app:port", source=True),))
    assert len(plain_text(INSTANCE, {"userData": "port 5432aaaa"}, eight)) == 1


def test_a_generated_value_that_is_not_secret_is_not_searched():
    suffix = SecretContext((KnownSecret("a1b2c3d4e5", "RandomString 'suffix' result", source=True, secret=False),))
    assert plain_text(CLUSTER, {"finalSnapshotIdentifier": "db-final-a1b2c3d4e5"}, suffix) == []


def test_a_whole_property_the_program_wrapped_in_output_secret_hides_that_property():
    script = "#!/bin/sh\necho starting\n"
    wrapped = SecretContext((KnownSecret(script, "Output.secret at __main__.py:3"),))
    assert plain_text(INSTANCE, {"userData": script}, wrapped) == []
    # ... but not a secret from a source, and not a program secret inside a larger value.
    sourced = SecretContext((KnownSecret(script, "secure config app:script", source=True),))
    assert len(plain_text(INSTANCE, {"userData": script}, sourced)) == 1
    literal = SecretContext((KnownSecret("sk-live-0123456789", "Output.secret at __main__.py:3"),))
    assert len(plain_text(INSTANCE, {"userData": "KEY=sk-live-0123456789"}, literal)) == 1


def test_values_unknown_during_preview_are_left_out_not_read(monkeypatch):
    """An output the mock engine does not compute (an autonamed user's name) is unknown; the rest is still searched,
    and no unknown is read through the SDK's check (a fail-closed gate counts every such read as "cannot verify")."""
    from pulumi_policy import proxy

    checked = proxy._raise_if_unknown
    reads = []

    def recording(key, value, path):
        if proxy._is_unknown(value):
            reads.append((*path, key))
        return checked(key, value, path)

    monkeypatch.setattr(proxy, "_raise_if_unknown", recording)
    props = {"user": UNKNOWN, "userData": f"pw={PASSWORD}", "tags": {"Owner": UNKNOWN}, "list": [UNKNOWN, PASSWORD]}
    assert [m.split(" holds")[0] for m in plain_text(INSTANCE, props)] == ["userData", "list[1]"]
    assert reads == []


def test_without_known_secrets_the_rules_see_nothing_as_under_the_real_cli():
    assert check(PLAIN_TEXT, TASK, task(f"password={PASSWORD}")) == []
    assert check(HARD_CODED, CLUSTER, {"masterPassword": "correct-horse-battery"}) == []


# --- exports --------------------------------------------------------------------------------------------------------
class Secret:
    """Stands in for preflight.engine.Secret: the rule recognises a secret by its shape, not its module."""

    def __init__(self, value):
        self.value = value


def export_messages(exports):
    with evaluating(SecretContext((FROM_CONFIG,), exports)):
        return check_stack(EXPORT, [resource(TASK, "web", {})])


def test_an_export_holding_the_secret_must_be_secret():
    assert export_messages({"dsn": f"host=db password={PASSWORD}", "endpoint": "db.example.com"}) == [
        "export dsn is not marked secret but holds the secret from secure config app:dbPassword; export it with "
        "pulumi.Output.secret(...) or not at all."]


def test_secret_exports_and_secret_parts_of_exports_pass():
    assert export_messages({"dsn": Secret(f"password={PASSWORD}"),
                            "database": {"host": "db", "password": Secret(PASSWORD)}}) == []


def test_a_plain_part_of_a_structured_export_is_named():
    assert export_messages({"database": {"host": "db", "login": [f"app:{PASSWORD}"]}})[0].startswith(
        "export database.login.0 is not marked secret")


# --- hard-coded master passwords ------------------------------------------------------------------------------------
def hard_coded(type_, props, context):
    with evaluating(context):
        return check(HARD_CODED, type_, props)


def test_a_password_containing_no_source_is_hard_coded():
    expected = [f"{key} is not from a secret source: it is written in the program or its plain config. Set "
                f"manageMasterUserPassword, or take it from a RandomPassword or a secure config value."
                for key in ("masterPassword", "masterPasswordWo")]
    props = {"masterPassword": "correct-horse-battery", "masterPasswordWo": "correct-horse-battery"}
    assert hard_coded(CLUSTER, props, CONTEXT) == expected
    # Known as a secret (it sits in a master password) is not the same as coming from a source.
    mentioned = SecretContext.of([], [resource(CLUSTER, "db", props)])
    assert hard_coded(CLUSTER, props, mentioned) == expected


@pytest.mark.parametrize("type_,key", [("aws:rds/instance:Instance", "password"),
                                       ("aws:docdb/cluster:Cluster", "masterPassword"),
                                       ("aws:redshift/cluster:Cluster", "masterPasswordWo")])
def test_other_database_passwords_are_checked(type_, key):
    assert hard_coded(type_, {key: "correct-horse-battery"}, CONTEXT)[0].startswith(f"{key} is not from")


def test_a_password_from_or_built_on_a_source_passes():
    assert hard_coded(CLUSTER, {"masterPassword": PASSWORD}, CONTEXT) == []
    assert hard_coded(CLUSTER, {"masterPassword": f"v2-{PASSWORD}"}, CONTEXT) == []
    generated = SecretContext((KnownSecret("abcdefgh12345678", "RandomString 'pw' result", True, secret=False),))
    assert hard_coded(CLUSTER, {"masterPassword": "abcdefgh12345678"}, generated) == []


def test_no_password_or_an_rds_managed_one_passes():
    assert hard_coded(CLUSTER, {"manageMasterUserPassword": True}, CONTEXT) == []
    assert hard_coded(CLUSTER, {}, CONTEXT) == []


# --- the context ----------------------------------------------------------------------------------------------------
def test_values_in_secret_places_join_the_known_secrets_and_a_source_names_them():
    cluster = resource(CLUSTER, "db", {"masterPassword": "literal-password-1"})
    parameter = resource(PARAMETER, "pw", {"type": "SecureString", "value": PASSWORD})
    plain = resource(PARAMETER, "url", {"type": "String", "value": "postgres://db/app"})
    read = Resource(urn="urn:x", type=CLUSTER, name="legacy", inputs={"masterPassword": "someone-elses-pw"})
    read.external = True
    context = SecretContext.of([FROM_CONFIG], [cluster, parameter, plain, read])
    assert sorted((s.origin, s.source) for s in context.secrets) == [
        ("Cluster 'db' masterPassword", False), ("secure config app:dbPassword", True)]
    assert context.leaks(f"x {quote(PASSWORD, safe='')} y") and not context.leaks("postgres://db/app")


def test_a_known_secret_never_shows_its_value():
    assert PASSWORD not in repr(FROM_CONFIG) and PASSWORD not in repr(CONTEXT)


def test_the_context_ends_with_the_evaluation_also_when_it_raises():
    with pytest.raises(RuntimeError), evaluating(CONTEXT):
        assert current() is CONTEXT
        raise RuntimeError("evaluation failed")
    assert current() is None
    assert [v for v in analyzer().analyze(resource(INSTANCE, "i", {"userData": PASSWORD})).violations
            if v.policy == PLAIN_TEXT] == []

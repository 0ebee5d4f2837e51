"""Database Activity Streams (`databaseActivityStream`): settings and the stream under mocks."""

from __future__ import annotations

import pytest

from components.settings import SettingsError, load_settings
from preflight.engine import read_stack_config
from tests.conftest import REPO_ROOT

KEY = "aurora-platform:database"
DAS = f"{KEY}.databaseActivityStream"
STREAM = "aws:rds/clusterActivityStream:ClusterActivityStream"


def problems(values: dict) -> list[str]:
    with pytest.raises(SettingsError) as caught:
        load_settings({"database": values}, "dev", "us-east-1")
    return caught.value.problems


def test_async_by_default_and_sync_on_postgresql():
    database = load_settings({"database": {"databaseActivityStream": {"enabled": True}}}, "dev", "us-east-1").database
    assert database.activity_stream.enabled and database.activity_stream.mode == "async"
    database = load_settings({"database": {"databaseActivityStream": {"enabled": True, "mode": "sync"}}}, "dev",
                             "us-east-1").database
    assert database.activity_stream.mode == "sync"


def test_sync_on_mysql_is_refused():
    assert problems({"engine": "aurora-mysql", "databaseActivityStream": {"enabled": True, "mode": "sync"}}) == [
        f'{DAS}.mode: sync is offered by aurora-postgresql only; engine is "aurora-mysql"; allowed: '
        f"async"]


@pytest.mark.parametrize("instance_class", ["db.serverless", "db.t4g.medium"])
def test_small_and_serverless_classes_are_refused(instance_class):
    assert problems({"instanceClass": instance_class, "databaseActivityStream": {"enabled": True}}) == [
        f'{DAS}.enabled: is refused with instanceClass "{instance_class}": Activity Streams need a '
        f"memory-optimized or general-purpose provisioned class here (e.g. db.r6g.large)"]


def test_mysql_takes_the_asynchronous_stream():
    database = load_settings({"database": {"engine": "aurora-mysql", "databaseActivityStream": {"enabled": True}}},
                             "dev", "us-east-1").database
    assert database.activity_stream.enabled is True and database.activity_stream.mode == "async"


@pytest.mark.parametrize("values", [{"enabled": False}, {"enabled": "false"}, {}])
def test_enabled_false_alone_is_not_a_setting_without_effect(values):
    database = load_settings({"database": {"databaseActivityStream": values}}, "dev", "us-east-1").database
    assert database.activity_stream.enabled is False


@pytest.mark.parametrize(("values", "message"), [
    ({"enabled": True, "mode": "SYNC"}, f'{DAS}.mode: got "SYNC"; allowed: async (the database never '
                                        f"waits for the stream; events may be lost under load) or sync "
                                        f'(aurora-postgresql only: the database waits, every event is kept). Did '
                                        f'you mean "sync" or "async"?'),
    ({"mode": "async"}, f"{DAS}: sets values but not enabled: true"),
])
def test_bad_values_are_named(values, message):
    assert problems({"databaseActivityStream": values}) == [message]


def test_prod_with_a_stream_encrypts_it_with_the_database_key(evaluate):
    database = {**dict(read_stack_config(REPO_ROOT, {"name": "aurora-platform"}, "prod")[KEY]),
                "databaseActivityStream": {"enabled": True}}
    run = evaluate("prod", {KEY: database, "aurora-platform:app": None})
    stream = run.one(STREAM)
    assert stream.inputs["mode"] == "async"
    assert stream.inputs["resourceArn"] == "arn:aws:rds:us-east-1:123456789012:cluster:aurora-platform-prod"
    assert stream.inputs["kmsKeyId"] == run.one("aws:rds/cluster:Cluster").inputs["kmsKeyId"]
    # the API streams from the instances, so the stream starts after all of them; it belongs to the database
    instances = [i.urn for i in run.of_type("aws:rds/clusterInstance:ClusterInstance")]
    assert len(instances) == 3 and set(instances) <= set(stream.dependencies)
    assert stream.parent == run.one("aurora-platform:database:AuroraCluster").urn


def test_dev_and_prod_stream_nothing(dev, prod):
    assert dev.of_type(STREAM) == [] and prod.of_type(STREAM) == []


@pytest.mark.parametrize(("values", "message"), [
    ({"engine": "aurora-mysql", "databaseActivityStream": {"enabled": True, "mode": "sync"}},
     f"{DAS}.mode: [secret] is offered by aurora-postgresql only; engine is [secret]; allowed: async"),
    ({"instanceClass": "db.t4g.medium", "databaseActivityStream": {"enabled": True}},
     f"{DAS}.enabled: is refused with instanceClass [secret]: Activity Streams need a memory-optimized or "
     f"general-purpose provisioned class here (e.g. db.r6g.large)"),
])
def test_a_refusal_under_a_secret_database_key_masks_the_value(values, message):
    with pytest.raises(SettingsError) as caught:
        load_settings({"database": values}, "dev", "us-east-1", secret_keys=[KEY])
    # The first problem says the database key holds a secret at all.
    assert caught.value.problems[1:] == [message]

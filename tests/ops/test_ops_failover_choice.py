"""Which reader failover promotes, and its refusals, as a plain function (no emulator).

Aurora promotes the reader with the lowest promotion tier (0-15), then the largest;
we add the lowest identifier among equals and only readers that are `available`. Expected values written by hand."""

from __future__ import annotations

from typing import Any

import pytest

from ops.commands.failover import choose_target
from ops.errors import OpsError


def cluster(*members: tuple[str, bool, int | None]) -> dict[str, Any]:
    listed = []
    for name, is_writer, tier in members:
        member: dict[str, Any] = {"DBInstanceIdentifier": name, "IsClusterWriter": is_writer}
        if tier is not None:
            member["PromotionTier"] = tier
        listed.append(member)
    return {"DBClusterIdentifier": "orders", "DBClusterMembers": listed}


def described(**states: str | None) -> list[dict[str, Any]]:
    result = []
    for name, state in states.items():
        instance: dict[str, Any] = {"DBInstanceIdentifier": name.replace("_", "-"), "DBInstanceClass": "db.r6g.large"}
        if state is not None:
            instance["DBInstanceStatus"] = state
        result.append(instance)
    return result


def test_a_reader_without_a_tier_counts_as_the_last_tier():
    # The describe answer always carries PromotionTier; when it is missing we must not prefer that reader.
    both = cluster(("w", True, 0), ("a", False, None), ("b", False, 14))
    assert choose_target(both, None) == "b"
    assert choose_target(cluster(("w", True, 0), ("a", False, None), ("b", False, 15)), None) == "a"


def test_readers_not_described_count_as_available_and_equal():
    readers = cluster(("w", True, 0), ("c", False, 1), ("b", False, 1))
    assert choose_target(readers, None, described(w="available")) == "b"
    assert choose_target(readers, None, []) == "b"


def test_an_instance_without_a_status_is_not_available():
    readers = cluster(("w", True, 0), ("a", False, 0), ("b", False, 1))
    assert choose_target(readers, None, described(a=None, b="available")) == "b"
    with pytest.raises(OpsError) as error:
        choose_target(readers, "a", described(a=None, b="available"))
    assert str(error.value) == "--to a: is None, not available; AWS would refuse or stall the failover"


def test_size_is_read_from_the_described_class_of_each_reader():
    readers = cluster(("w", True, 0), ("a", False, 1), ("b", False, 1))
    instances = [{"DBInstanceIdentifier": "a", "DBInstanceStatus": "available", "DBInstanceClass": "db.r6g.large"},
                 {"DBInstanceIdentifier": "b", "DBInstanceStatus": "available", "DBInstanceClass": "db.r6g.2xlarge"}]
    assert choose_target(readers, None, instances) == "b"
    # a reader described without a class is size 0: the one with a class wins
    instances[1].pop("DBInstanceClass")
    assert choose_target(readers, None, instances) == "a"


def test_the_named_reader_is_promoted_when_available():
    readers = cluster(("w", True, 0), ("a", False, 0), ("b", False, 9))
    assert choose_target(readers, "b", described(a="available", b="available")) == "b"
    assert choose_target(readers, "b") == "b"


@pytest.mark.parametrize(
    ("wanted", "message"),
    [("w", "--to w: already the writer of orders"),
     ("z", "--to z: not a reader of orders (readers: a, b)"),
     ("A", "--to A: not a reader of orders (readers: a, b)")],
    ids=["writer", "unknown", "other-case"],
)
def test_a_named_target_that_cannot_be_promoted_is_refused_by_name(wanted, message):
    readers = cluster(("w", True, 0), ("b", False, 1), ("a", False, 1))
    with pytest.raises(OpsError) as error:
        choose_target(readers, wanted, described(a="available", b="available"))
    assert str(error.value) == message


def test_no_reader_at_all_is_one_clear_error():
    with pytest.raises(OpsError) as error:
        choose_target(cluster(("w", True, 0)), None)
    assert str(error.value) == "cluster orders has no reader to fail over to"
    with pytest.raises(OpsError) as error:
        choose_target({"DBClusterIdentifier": "orders"}, "w")
    assert str(error.value) == "cluster orders has no reader to fail over to"


def test_no_available_reader_lists_every_reader_with_its_state():
    readers = cluster(("w", True, 0), ("b", False, 1), ("a", False, 1))
    with pytest.raises(OpsError) as error:
        choose_target(readers, None, described(a="rebooting", b="storage-optimization", w="available"))
    assert str(error.value) == (
        "cluster orders has no available reader to fail over to (a rebooting, b storage-optimization)")

"""failover against moto, which really moves the writer."""

from __future__ import annotations


def test_default_target_is_best_promotion_tier_and_writer_moves(stacks, run_ops):
    # Instance 1 (tier 0) is the writer; of the readers, instance 3 has the better tier.
    stack = stacks.build(zones=("a", "b", "c"), tiers=(0, 5, 1))
    result = run_ops("failover", "--cluster", stack.cluster_id, "--yes", "--json")
    assert result.code == 0, result.err
    assert result.json() == {
        "cluster": stack.cluster_id,
        "oldWriter": "aurora-dev-1",
        "newWriter": "aurora-dev-3",
    }
    assert stacks.writer(stack.cluster_id) == "aurora-dev-3"
    assert "writer of aurora-dev: status available, writer aurora-dev-3" in result.err


def test_to_flag_picks_the_reader_and_text_names_old_and_new(stacks, run_ops):
    stack = stacks.build(zones=("a", "b", "c"))
    result = run_ops("failover", "--outputs", str(stack.outputs), "--to", "aurora-dev-2", "--yes")
    assert result.code == 0, result.err
    assert result.out == "aurora-dev: writer aurora-dev-1 -> aurora-dev-2\n"
    assert stacks.writer(stack.cluster_id) == "aurora-dev-2"


def test_confirmation_yes_on_a_terminal_proceeds(stacks, run_ops, tty):
    stack = stacks.build()
    result = run_ops("failover", "--cluster", stack.cluster_id, stdin=tty("y\n"))
    assert result.code == 0, result.err
    assert "Proceed? [y/N]" in result.err
    assert stacks.writer(stack.cluster_id) == "aurora-dev-2"


def test_confirmation_no_changes_nothing(stacks, run_ops, tty):
    stack = stacks.build()
    result = run_ops("failover", "--cluster", stack.cluster_id, stdin=tty("n\n"))
    assert result.code == 2
    assert result.err.endswith("error: aborted at the confirmation prompt: nothing was changed\n")
    assert stacks.writer(stack.cluster_id) == "aurora-dev-1"


def test_no_terminal_and_no_yes_refuses(stacks, run_ops):
    stack = stacks.build()
    result = run_ops("failover", "--cluster", stack.cluster_id)
    assert result.code == 2
    assert "pass --yes to proceed" in result.err
    assert len(result.err.splitlines()) == 1
    assert stacks.writer(stack.cluster_id) == "aurora-dev-1"


def test_to_an_unknown_instance_is_refused(stacks, run_ops):
    stack = stacks.build()
    result = run_ops("failover", "--cluster", stack.cluster_id, "--to", "nope", "--yes")
    assert result.code == 2
    assert result.err == ("error: --to nope: not a reader of aurora-dev (readers: aurora-dev-2)\n")


def test_to_the_current_writer_is_refused(stacks, run_ops):
    stack = stacks.build()
    result = run_ops("failover", "--cluster", stack.cluster_id, "--to", "aurora-dev-1", "--yes")
    assert result.code == 2
    assert "already the writer" in result.err


def test_single_instance_cluster_has_no_reader(stacks, run_ops):
    stack = stacks.build(zones=("a",))
    result = run_ops("failover", "--cluster", stack.cluster_id, "--yes")
    assert result.code == 2
    assert result.err == "error: cluster aurora-dev has no reader to fail over to\n"

"""The suite's shared evaluations are cached, except while mutmut maps functions to the tests that call them, and
they are emptied when the mutant under test changes.

A test that reads a cached evaluation runs none of the program; if mutmut collected its stats that way, only the first
test to evaluate each stack would ever run against a mutant of the program and every other test would look blind.
tools/mutation_inprocess.py runs many mutants in one process: an evaluation cached under one of them (or under none)
read under the next would let the next survive whatever it changes.
"""

from __future__ import annotations

import pytest

from tests import conftest, test_aurora_variants


@pytest.fixture
def counted(monkeypatch):
    calls = []

    def run_stack(stack, *args, **kwargs):
        calls.append(stack)
        return object()

    monkeypatch.setattr(conftest, "run_stack", run_stack)
    monkeypatch.setattr(test_aurora_variants, "run_stack", run_stack)
    conftest._cached_run.cache_clear()
    test_aurora_variants.variant.cache_clear()
    monkeypatch.setattr(conftest, "_variants", {})
    yield calls
    conftest._cached_run.cache_clear()
    test_aurora_variants.variant.cache_clear()


def evaluate_each_cache_twice():
    for _ in range(2):
        conftest._cached_run("dev")
        conftest._cached_variant("prod", {"aurora-platform:app": None})
        test_aurora_variants.variant("snapshot")


def test_a_normal_run_evaluates_each_stack_once(counted, monkeypatch):
    monkeypatch.delenv("MUTANT_UNDER_TEST", raising=False)
    evaluate_each_cache_twice()
    assert counted == ["dev", "prod", "dev"]  # the snapshot variant is a dev stack


def test_while_mutmut_collects_stats_every_test_evaluates_afresh(counted, monkeypatch):
    monkeypatch.setenv("MUTANT_UNDER_TEST", "stats")
    evaluate_each_cache_twice()
    assert counted == ["dev", "prod", "dev"] * 2


def test_a_mutants_own_run_caches_again(counted, monkeypatch):
    monkeypatch.setenv("MUTANT_UNDER_TEST", "components.kms.x_key_policy__mutmut_1")
    evaluate_each_cache_twice()
    assert counted == ["dev", "prod", "dev"]


def test_the_in_process_runner_switching_mutants_empties_every_cache(counted, monkeypatch):
    monkeypatch.setenv("MUTANT_UNDER_TEST", "")                  # the runner's baseline, no mutant
    evaluate_each_cache_twice()
    monkeypatch.setenv("MUTANT_UNDER_TEST", "components.aurora.x_instance_zones__mutmut_3")
    evaluate_each_cache_twice()
    monkeypatch.setenv("MUTANT_UNDER_TEST", "components.aurora.x_instance_zones__mutmut_4")
    evaluate_each_cache_twice()
    assert counted == ["dev", "prod", "dev"] * 3

"""The master password's SSM parameter: a SecureString under a customer-managed key."""

from __future__ import annotations

from ops.checks.base import Facts, Outcome, failed, passed, skipped
from ops.checks.keys import cmk_problem

# What SSM uses when put_parameter is given no KeyId.
SSM_DEFAULT_KEY = "alias/aws/ssm"


def password_parameter_cmk(facts: Facts) -> Outcome:
    name = facts.password_parameter
    if not name:
        return skipped("no password parameter given (--password-parameter or passwordParameterName)")
    # describe_parameters, not get_parameter: the check must never read the secret itself.
    found = facts.aws.ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": [name]}])[
        "Parameters"
    ]
    if not found:
        return failed(f"parameter {name} not found")
    parameter = found[0]
    if parameter.get("Type") != "SecureString":
        return failed(f"{name} is a {parameter.get('Type')}, not a SecureString")
    key_id = parameter.get("KeyId") or SSM_DEFAULT_KEY
    problem = cmk_problem(facts, key_id)
    if problem:
        return failed(f"{name}: {problem}")
    return passed(f"{name} is a SecureString under {key_id}")

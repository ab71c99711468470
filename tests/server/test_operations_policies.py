"""boto3 against `kmscli serve`: key policies.

Each operation's success and error case is registered here and run by test_operations_every.py;
the finer cases of the family follow as tests of their own.
"""

from __future__ import annotations

import json

from tests.server.operations import (
    ACCOUNT,
    DEFAULT_POLICY,
    UNKNOWN,
    Ctx,
    error,
    happy,
    plain,
)


@happy("GetKeyPolicy")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    # Only Policy, not PolicyName (docs/decisions.md#output).
    assert plain(ctx.kms.get_key_policy(KeyId=key_id, PolicyName="default")) == {"Policy": DEFAULT_POLICY}
    assert plain(ctx.kms.get_key_policy(KeyId=ctx.arn(key_id))) == {"Policy": DEFAULT_POLICY}


@error("GetKeyPolicy")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.get_key_policy(KeyId=ctx.key(), PolicyName="other"),
        "NotFoundException",
        "No such policy exists",
    )


@happy("PutKeyPolicy")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "root",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            ],
        }
    )
    assert plain(ctx.kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=policy)) == {}
    assert plain(ctx.kms.get_key_policy(KeyId=key_id)) == {"Policy": policy}


@error("PutKeyPolicy")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    ctx.fails(
        lambda: ctx.kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy="not json"),
        "MalformedPolicyDocumentException",
        "Policy document is malformed",
    )
    assert plain(ctx.kms.get_key_policy(KeyId=key_id)) == {"Policy": DEFAULT_POLICY}


@happy("ListKeyPolicies")
def _(ctx: Ctx) -> None:
    assert plain(ctx.kms.list_key_policies(KeyId=ctx.key())) == {"PolicyNames": ["default"], "Truncated": False}


@error("ListKeyPolicies")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.list_key_policies(KeyId=UNKNOWN),
        "NotFoundException",
        f"Key '{ctx.arn(UNKNOWN)}' does not exist",
    )

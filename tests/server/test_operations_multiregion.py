"""boto3 against `kmscli serve`: multi-Region keys.

Each operation's success and error case is registered here and run by test_operations_every.py;
the finer cases of the family follow as tests of their own.
"""

from __future__ import annotations

from tests.server.operations import (
    ACCOUNT,
    DEFAULT_POLICY,
    Ctx,
    error,
    happy,
    plain,
)


@happy("ReplicateKey")
def _(ctx: Ctx) -> None:
    key_id = ctx.new_key(MultiRegion=True, Description="primary")
    assert key_id.startswith("mrk-")
    replica_region, there = ctx.elsewhere()
    # The description is not shared: a replica has its own.
    replica = plain(ctx.kms.replicate_key(KeyId=key_id, ReplicaRegion=replica_region, Description="replica"))
    metadata = replica["ReplicaKeyMetadata"]
    assert (metadata["KeyId"], metadata["Arn"], metadata["MultiRegionConfiguration"]["MultiRegionKeyType"]) == (
        key_id,
        f"arn:aws:kms:{replica_region}:{ACCOUNT}:key/{key_id}",
        "REPLICA",
    )
    assert replica["ReplicaPolicy"] == DEFAULT_POLICY
    assert there.describe_key(KeyId=key_id)["KeyMetadata"]["Description"] == "replica"


@error("ReplicateKey")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    replica_region, _ = ctx.elsewhere()
    ctx.fails(
        lambda: ctx.kms.replicate_key(KeyId=key_id, ReplicaRegion=replica_region),
        "UnsupportedOperationException",
        f"{ctx.arn(key_id)} is not a multi-region primary key.",
    )


@happy("UpdatePrimaryRegion")
def _(ctx: Ctx) -> None:
    key_id = ctx.new_key(MultiRegion=True)
    replica_region, there = ctx.elsewhere()
    ctx.kms.replicate_key(KeyId=key_id, ReplicaRegion=replica_region)
    assert plain(ctx.kms.update_primary_region(KeyId=key_id, PrimaryRegion=replica_region)) == {}
    here = ctx.kms.describe_key(KeyId=key_id)["KeyMetadata"]["MultiRegionConfiguration"]
    assert (here["MultiRegionKeyType"], here["PrimaryKey"]["Region"]) == ("REPLICA", replica_region)
    moved = there.describe_key(KeyId=key_id)["KeyMetadata"]["MultiRegionConfiguration"]
    assert moved["MultiRegionKeyType"] == "PRIMARY"


@error("UpdatePrimaryRegion")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    replica_region, _ = ctx.elsewhere()
    ctx.fails(
        lambda: ctx.kms.update_primary_region(KeyId=key_id, PrimaryRegion=replica_region),
        "UnsupportedOperationException",
        f"{ctx.arn(key_id)} is not a multi-region primary key.",
    )

"""boto3 against `kmscli serve`: tags.

Each operation's success and error case is registered here and run by test_operations_every.py;
the finer cases of the family follow as tests of their own.
"""

from __future__ import annotations

from tests.server.operations import (
    UNKNOWN,
    Ctx,
    error,
    happy,
    plain,
)


@happy("TagResource")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    tags = [{"TagKey": "env", "TagValue": "test"}, {"TagKey": "app", "TagValue": "kmscli"}]
    assert plain(ctx.kms.tag_resource(KeyId=key_id, Tags=tags)) == {}
    listed = plain(ctx.kms.list_resource_tags(KeyId=key_id))
    assert sorted(listed["Tags"], key=lambda t: t["TagKey"]) == sorted(tags, key=lambda t: t["TagKey"])


@error("TagResource")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    ctx.fails(
        lambda: ctx.kms.tag_resource(KeyId=key_id, Tags=[{"TagKey": "aws:owner", "TagValue": "me"}]),
        "TagException",
        "Tags beginning with aws: are reserved",
    )
    assert plain(ctx.kms.list_resource_tags(KeyId=key_id)) == {"Tags": [], "Truncated": False}


@happy("UntagResource")
def _(ctx: Ctx) -> None:
    key_id = ctx.key()
    ctx.kms.tag_resource(KeyId=key_id, Tags=[{"TagKey": "a", "TagValue": "1"}, {"TagKey": "b", "TagValue": "2"}])
    assert plain(ctx.kms.untag_resource(KeyId=key_id, TagKeys=["a"])) == {}
    assert plain(ctx.kms.list_resource_tags(KeyId=key_id)) == {
        "Tags": [{"TagKey": "b", "TagValue": "2"}],
        "Truncated": False,
    }


@error("UntagResource")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.untag_resource(KeyId=UNKNOWN, TagKeys=["a"]),
        "NotFoundException",
        f"Key '{ctx.arn(UNKNOWN)}' does not exist",
    )


@happy("ListResourceTags")
def _(ctx: Ctx) -> None:
    key_id = ctx.new_key(Tags=[{"TagKey": "k", "TagValue": "v"}])
    assert plain(ctx.kms.list_resource_tags(KeyId=key_id)) == {
        "Tags": [{"TagKey": "k", "TagValue": "v"}],
        "Truncated": False,
    }


@error("ListResourceTags")
def _(ctx: Ctx) -> None:
    ctx.fails(
        lambda: ctx.kms.list_resource_tags(KeyId=UNKNOWN),
        "NotFoundException",
        f"Key '{ctx.arn(UNKNOWN)}' does not exist",
    )

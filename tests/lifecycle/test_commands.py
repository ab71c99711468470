"""One scenario per lifecycle command through the CLI: output, exit status, and the state after."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kmscli.cli import cli
from kmscli.core.managed import PREDEFINED_SERVICES
from kmscli.session import Session

ACCOUNT = "111122223333"
REGION = "us-west-2"
DAY = 86400
T0 = 1700000000.0


def arn(key_id: str) -> str:
    return f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{key_id}"


# What ListAliases lists in an account with no aliases of its own: the predefined AWS aliases, without
# TargetKeyId until something creates their AWS managed key (botocore's model, ListAliases documentation).
PREDEFINED = [
    {"AliasName": f"alias/aws/{service}", "AliasArn": f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/aws/{service}"}
    for service in PREDEFINED_SERVICES
]


@pytest.fixture
def at(state_dir: Path) -> Callable[..., Result]:
    """Run kmscli at a given time (KMSCLI_FIXED_TIME), the way a user's scripts would."""

    def run(when: float, *args: str) -> Result:
        environ = {"KMSCLI_FIXED_TIME": str(when), "AWS_REGION": REGION, "KMSCLI_SEED": "lifecycle"}
        return CliRunner().invoke(cli, list(args), obj=Session(environ=environ, state_dir=state_dir))

    return run


def ok(result: Result) -> str:
    assert (result.exit_code, result.stderr) == (0, ""), result.stderr
    return result.stdout


def error(result: Result, code: str, operation: str, message: str) -> None:
    assert (result.exit_code, result.stdout) == (255, "")
    assert result.stderr == f"\nAn error occurred ({code}) when calling the {operation} operation: {message}\n"


def new_key(at: Callable[..., Result], *args: str, when: float = T0) -> str:
    return ok(at(when, "create-key", *args, "--query", "KeyMetadata.KeyId", "--output", "text")).strip()


def metadata(at: Callable[..., Result], key_id: str, when: float = T0) -> dict:
    return json.loads(ok(at(when, "describe-key", "--key-id", key_id)))["KeyMetadata"]


def test_update_key_description(at) -> None:
    key = new_key(at)
    assert ok(at(T0, "update-key-description", "--key-id", key, "--description", "new words")) == ""
    assert metadata(at, key)["Description"] == "new words"
    assert ok(at(T0, "update-key-description", "--key-id", key, "--description", "")) == ""
    assert metadata(at, key)["Description"] == ""


def test_disable_and_enable_key(at) -> None:
    key = new_key(at)
    assert ok(at(T0, "disable-key", "--key-id", key)) == ""
    assert (metadata(at, key)["KeyState"], metadata(at, key)["Enabled"]) == ("Disabled", False)
    assert ok(at(T0, "disable-key", "--key-id", key)) == ""  # idempotent
    assert ok(at(T0, "enable-key", "--key-id", arn(key))) == ""
    assert (metadata(at, key)["KeyState"], metadata(at, key)["Enabled"]) == ("Enabled", True)


def test_enable_key_refuses_a_key_pending_import(at) -> None:
    key = new_key(at, "--origin", "EXTERNAL")
    error(
        at(T0, "enable-key", "--key-id", key), "KMSInvalidStateException", "EnableKey", f"{arn(key)} is pending import."
    )
    assert metadata(at, key)["KeyState"] == "PendingImport"


def test_schedule_then_cancel_key_deletion(at) -> None:
    key = new_key(at)
    out = json.loads(ok(at(T0, "schedule-key-deletion", "--key-id", key, "--pending-window-in-days", "7")))
    assert out == {
        "KeyId": arn(key),
        "DeletionDate": T0 + 7 * DAY,
        "KeyState": "PendingDeletion",
        "PendingWindowInDays": 7,
    }
    meta = metadata(at, key)
    assert (meta["KeyState"], meta["DeletionDate"], meta["Enabled"]) == ("PendingDeletion", T0 + 7 * DAY, False)
    assert json.loads(ok(at(T0, "cancel-key-deletion", "--key-id", key))) == {"KeyId": arn(key)}
    meta = metadata(at, key)
    assert (meta["KeyState"], "DeletionDate" in meta) == ("Disabled", False)


def test_schedule_key_deletion_defaults_to_30_days_and_checks_the_window(at) -> None:
    key = new_key(at)
    for days in ("6", "31"):
        error(
            at(T0, "schedule-key-deletion", "--key-id", key, "--pending-window-in-days", days),
            "ValidationException",
            "ScheduleKeyDeletion",
            f"PendingWindowInDays should be between 7 and 30, but it is {days}",
        )
    assert metadata(at, key)["KeyState"] == "Enabled"
    out = json.loads(ok(at(T0, "schedule-key-deletion", "--key-id", key)))
    assert (out["DeletionDate"], out["PendingWindowInDays"]) == (T0 + 30 * DAY, 30)
    error(
        at(T0, "schedule-key-deletion", "--key-id", key),
        "KMSInvalidStateException",
        "ScheduleKeyDeletion",
        f"{arn(key)} is pending deletion.",
    )


def test_cancel_key_deletion_of_a_key_not_pending(at) -> None:
    key = new_key(at)
    error(
        at(T0, "cancel-key-deletion", "--key-id", key),
        "KMSInvalidStateException",
        "CancelKeyDeletion",
        f"{arn(key)} is not pending deletion.",
    )


def test_deletion_date_passing_destroys_key_aliases_and_tags(at) -> None:
    key = new_key(at, "--tags", "TagKey=a,TagValue=b")
    other = new_key(at)
    ok(at(T0, "create-alias", "--alias-name", "alias/doomed", "--target-key-id", key))
    ok(at(T0, "schedule-key-deletion", "--key-id", key, "--pending-window-in-days", "7"))
    just_before = T0 + 7 * DAY - 1
    assert metadata(at, key, just_before)["KeyState"] == "PendingDeletion"
    after = T0 + 7 * DAY
    for identifier in (key, arn(key), "alias/doomed", f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/doomed"):
        result = at(after, "describe-key", "--key-id", identifier)
        expected = (
            f"Key '{arn(key)}' does not exist"
            if "doomed" not in identifier
            else f"Alias arn:aws:kms:{REGION}:{ACCOUNT}:alias/doomed is not found."
        )
        error(result, "NotFoundException", "DescribeKey", expected)
    keys = json.loads(ok(at(after, "list-keys")))["Keys"]
    assert [k["KeyId"] for k in keys] == [other]
    assert json.loads(ok(at(after, "list-aliases")))["Aliases"] == PREDEFINED
    error(
        at(after, "list-resource-tags", "--key-id", key),
        "NotFoundException",
        "ListResourceTags",
        f"Key '{arn(key)}' does not exist",
    )
    # The alias name is free again.
    assert ok(at(after, "create-alias", "--alias-name", "alias/doomed", "--target-key-id", other)) == ""
    assert metadata(at, "alias/doomed", after)["KeyId"] == other


def test_put_key_policy_stores_text_verbatim_and_checks_lockout(at, tmp_path: Path) -> None:
    key = new_key(at)
    policy = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
        f'"Principal": {{"AWS": "arn:aws:iam::{ACCOUNT}:root"}}, "Action": "kms:*", "Resource": "*"}}]}}\n'
    )
    (tmp_path / "p.json").write_text(policy)
    assert ok(at(T0, "put-key-policy", "--key-id", key, "--policy", f"file://{tmp_path / 'p.json'}")) == ""
    assert ok(at(T0, "get-key-policy", "--key-id", key, "--query", "Policy", "--output", "text")) == policy + "\n"
    locked = policy.replace('"kms:*"', '"kms:Encrypt"')
    error(
        at(T0, "put-key-policy", "--key-id", key, "--policy", locked),
        "MalformedPolicyDocumentException",
        "PutKeyPolicy",
        "The new key policy will not allow you to update the key policy in the future.",
    )
    assert (
        ok(at(T0, "put-key-policy", "--key-id", key, "--policy", locked, "--bypass-policy-lockout-safety-check")) == ""
    )
    assert json.loads(ok(at(T0, "get-key-policy", "--key-id", key)))["Policy"] == locked
    error(
        at(T0, "put-key-policy", "--key-id", key, "--policy", policy, "--policy-name", "other"),
        "ValidationException",
        "PutKeyPolicy",
        "PolicyName must be default",
    )


def test_list_key_policies(at) -> None:
    key = new_key(at)
    assert json.loads(ok(at(T0, "list-key-policies", "--key-id", key))) == {"PolicyNames": ["default"]}
    raw = json.loads(ok(at(T0, "list-key-policies", "--key-id", key, "--no-paginate")))
    assert raw == {"PolicyNames": ["default"], "Truncated": False}


def test_untag_and_list_resource_tags(at) -> None:
    key = new_key(at, "--tags", "TagKey=b,TagValue=2", "TagKey=a,TagValue=1", "TagKey=c,TagValue=3")
    assert json.loads(ok(at(T0, "list-resource-tags", "--key-id", key))) == {
        "Tags": [{"TagKey": "a", "TagValue": "1"}, {"TagKey": "b", "TagValue": "2"}, {"TagKey": "c", "TagValue": "3"}]
    }
    assert ok(at(T0, "untag-resource", "--key-id", key, "--tag-keys", "a", "zzz")) == ""
    assert ok(at(T0, "list-resource-tags", "--key-id", key, "--output", "text")) == "TAGS\tb\t2\nTAGS\tc\t3\n"
    error(
        at(T0, "untag-resource", "--key-id", key, "--tag-keys", "aws:x"),
        "TagException",
        "UntagResource",
        "Tags beginning with aws: are reserved",
    )


def test_update_and_delete_alias(at) -> None:
    first, second = new_key(at), new_key(at, when=T0 + 1)
    rsa = new_key(at, "--key-spec", "RSA_2048", "--key-usage", "SIGN_VERIFY")
    ok(at(T0, "create-alias", "--alias-name", "alias/app", "--target-key-id", first))
    assert ok(at(T0 + 60, "update-alias", "--alias-name", "alias/app", "--target-key-id", second)) == ""
    entry = json.loads(ok(at(T0 + 60, "list-aliases", "--key-id", second)))["Aliases"]
    assert entry == [
        {
            "AliasName": "alias/app",
            "AliasArn": f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/app",
            "TargetKeyId": second,
            "CreationDate": T0,
            "LastUpdatedDate": T0 + 60,
        }
    ]
    error(
        at(T0, "update-alias", "--alias-name", "alias/app", "--target-key-id", rsa),
        "ValidationException",
        "UpdateAlias",
        f"Alias arn:aws:kms:{REGION}:{ACCOUNT}:alias/app cannot be changed from a "
        "SYMMETRIC_DEFAULT/ENCRYPT_DECRYPT key to a RSA_2048/SIGN_VERIFY key",
    )
    error(
        at(T0, "update-alias", "--alias-name", "alias/none", "--target-key-id", first),
        "NotFoundException",
        "UpdateAlias",
        f"Alias arn:aws:kms:{REGION}:{ACCOUNT}:alias/none is not found.",
    )
    assert ok(at(T0, "delete-alias", "--alias-name", "alias/app")) == ""
    assert json.loads(ok(at(T0, "list-aliases"))) == {"Aliases": PREDEFINED}
    error(
        at(T0, "delete-alias", "--alias-name", "alias/app"),
        "NotFoundException",
        "DeleteAlias",
        f"Alias arn:aws:kms:{REGION}:{ACCOUNT}:alias/app is not found.",
    )
    error(at(T0, "delete-alias", "--alias-name", "alias/aws/s3"), "NotAuthorizedException", "DeleteAlias", "")


def test_rotation_status_enable_disable(at) -> None:
    key = new_key(at)
    assert json.loads(ok(at(T0, "get-key-rotation-status", "--key-id", key))) == {
        "KeyRotationEnabled": False,
        "KeyId": arn(key),
    }
    assert ok(at(T0, "enable-key-rotation", "--key-id", key, "--rotation-period-in-days", "90")) == ""
    assert json.loads(ok(at(T0, "get-key-rotation-status", "--key-id", key))) == {
        "KeyRotationEnabled": True,
        "KeyId": arn(key),
        "RotationPeriodInDays": 90,
        "NextRotationDate": T0 + 90 * DAY,
    }
    # The model's minimum is checked client-side, as botocore does; the maximum by the service.
    low = at(T0, "enable-key-rotation", "--key-id", key, "--rotation-period-in-days", "89")
    assert (low.exit_code, low.stdout) == (255, "")
    assert low.stderr == (
        "\nParameter validation failed:\n"
        "Invalid value for parameter RotationPeriodInDays, value: 89, valid min value: 90\n"
    )
    error(
        at(T0, "enable-key-rotation", "--key-id", key, "--rotation-period-in-days", "2561"),
        "ValidationException",
        "EnableKeyRotation",
        "1 validation error detected: Value '2561' at 'rotationPeriodInDays' failed to satisfy "
        "constraint: Member must have value less than or equal to 2560",
    )
    assert ok(at(T0, "disable-key-rotation", "--key-id", key)) == ""
    assert json.loads(ok(at(T0, "get-key-rotation-status", "--key-id", key)))["KeyRotationEnabled"] is False
    rsa = new_key(at, "--key-spec", "RSA_2048", "--key-usage", "SIGN_VERIFY")
    error(at(T0, "enable-key-rotation", "--key-id", rsa), "UnsupportedOperationException", "EnableKeyRotation", "")


def test_rotation_happens_when_its_date_passes_and_on_demand(at) -> None:
    key = new_key(at)
    ok(at(T0, "enable-key-rotation", "--key-id", key, "--rotation-period-in-days", "90"))
    assert json.loads(ok(at(T0, "list-key-rotations", "--key-id", key))) == {"Rotations": []}
    later = T0 + 200 * DAY
    rotations = json.loads(ok(at(later, "list-key-rotations", "--key-id", key)))["Rotations"]
    assert [(r["RotationDate"], r["RotationType"], r["KeyMaterialState"]) for r in rotations] == [
        (T0 + 90 * DAY, "AUTOMATIC", "NON_CURRENT"),
        (T0 + 180 * DAY, "AUTOMATIC", "CURRENT"),
    ]
    assert json.loads(ok(at(later, "get-key-rotation-status", "--key-id", key)))["NextRotationDate"] == T0 + 270 * DAY
    assert json.loads(ok(at(later, "rotate-key-on-demand", "--key-id", key))) == {"KeyId": arn(key)}
    every = json.loads(
        ok(at(later, "list-key-rotations", "--key-id", key, "--include-key-material", "ALL_KEY_MATERIAL"))
    )
    assert [r.get("RotationType") for r in every["Rotations"]] == [None, "AUTOMATIC", "AUTOMATIC", "ON_DEMAND"]
    assert len({r["KeyMaterialId"] for r in every["Rotations"]}) == 4
    # The on-demand rotation left the automatic schedule alone.
    assert json.loads(ok(at(later, "get-key-rotation-status", "--key-id", key)))["NextRotationDate"] == T0 + 270 * DAY


def test_no_automatic_rotation_while_disabled(at) -> None:
    key = new_key(at)
    ok(at(T0, "enable-key-rotation", "--key-id", key, "--rotation-period-in-days", "90"))
    ok(at(T0, "disable-key", "--key-id", key))
    assert json.loads(ok(at(T0 + 100 * DAY, "list-key-rotations", "--key-id", key))) == {"Rotations": []}


def test_on_demand_rotation_limit(at) -> None:
    key = new_key(at)
    for _ in range(25):
        ok(at(T0, "rotate-key-on-demand", "--key-id", key))
    error(
        at(T0, "rotate-key-on-demand", "--key-id", key),
        "LimitExceededException",
        "RotateKeyOnDemand",
        "The on-demand rotations limit has been reached for the given keyId. "
        f"No more on-demand rotations can be performed for this key: {arn(key)}",
    )


def test_on_demand_rotation_is_refused_within_20_minutes_of_an_automatic_one(at) -> None:
    # RotateKeyOnDemand's ConflictException: "an automatic rotation is scheduled within 20 minutes"
    # (https://docs.aws.amazon.com/kms/latest/APIReference/API_RotateKeyOnDemand.html).
    key = new_key(at)
    ok(at(T0, "enable-key-rotation", "--key-id", key, "--rotation-period-in-days", "90"))
    due = T0 + 90 * DAY
    error(
        at(due - 20 * 60 + 1, "rotate-key-on-demand", "--key-id", key),
        "ConflictException",
        "RotateKeyOnDemand",
        f"An automatic rotation of {arn(key)} is scheduled within 20 minutes; try again after it completes.",
    )
    assert json.loads(ok(at(due - 20 * 60 + 1, "list-key-rotations", "--key-id", key))) == {"Rotations": []}
    # Twenty minutes ahead exactly is outside the window.
    assert json.loads(ok(at(due - 20 * 60, "rotate-key-on-demand", "--key-id", key))) == {"KeyId": arn(key)}
    rotations = json.loads(ok(at(due - 20 * 60, "list-key-rotations", "--key-id", key)))["Rotations"]
    assert [(r["RotationDate"], r["RotationType"]) for r in rotations] == [(due - 20 * 60, "ON_DEMAND")]
    # With automatic rotation off there is nothing to conflict with.
    other = new_key(at)
    assert json.loads(ok(at(T0, "rotate-key-on-demand", "--key-id", other))) == {"KeyId": arn(other)}


def test_describing_a_predefined_aws_alias_creates_the_aws_managed_key(at) -> None:
    # A fresh account lists the predefined AWS aliases with only AliasName and AliasArn (botocore's
    # model, the ListAliases documentation: aliases without TargetKeyId are predefined ones that no
    # KMS key backs yet); describing one creates its AWS managed key.
    assert json.loads(ok(at(T0, "list-aliases"))) == {"Aliases": PREDEFINED}
    assert [a["AliasName"] for a in PREDEFINED][:3] == ["alias/aws/acm", "alias/aws/dynamodb", "alias/aws/ebs"]
    meta = metadata(at, "alias/aws/s3")
    assert (meta["KeyManager"], meta["KeyState"], meta["KeySpec"]) == ("AWS", "Enabled", "SYMMETRIC_DEFAULT")
    # The same key on every later call, listed under its alias, which now carries its TargetKeyId.
    assert metadata(at, "alias/aws/s3") == meta
    aliases = json.loads(ok(at(T0, "list-aliases")))["Aliases"]
    s3 = {**PREDEFINED[-6], "TargetKeyId": meta["KeyId"], "CreationDate": T0, "LastUpdatedDate": T0}
    assert aliases == [*PREDEFINED[:-6], s3, *PREDEFINED[-5:]]
    assert json.loads(ok(at(T0, "list-aliases", "--key-id", meta["KeyId"])))["Aliases"] == [s3]
    status = json.loads(ok(at(T0, "get-key-rotation-status", "--key-id", meta["KeyId"])))
    assert (status["KeyRotationEnabled"], status["RotationPeriodInDays"]) == (True, 365)
    error(
        at(T0, "describe-key", "--key-id", "alias/aws/not-a-service"),
        "NotFoundException",
        "DescribeKey",
        f"Alias arn:aws:kms:{REGION}:{ACCOUNT}:alias/aws/not-a-service is not found.",
    )


@pytest.mark.parametrize(
    "args",
    [
        ["disable-key"],
        ["enable-key"],
        ["schedule-key-deletion"],
        ["update-key-description", "--description", "x"],
        ["tag-resource", "--tags", "TagKey=a,TagValue=b"],
        ["untag-resource", "--tag-keys", "a"],
        ["disable-key-rotation"],
        ["put-key-policy", "--policy", "{}"],
    ],
)
def test_aws_managed_keys_refuse_management(at, args: list[str]) -> None:
    key = metadata(at, "alias/aws/ebs")["KeyId"]
    operation = "".join(w.capitalize() for w in args[0].split("-"))
    result = at(T0, args[0], "--key-id", key, *args[1:])
    error(
        result,
        "AccessDeniedException",
        operation,
        f"User: arn:aws:iam::{ACCOUNT}:root is not authorized to perform: kms:{operation} on resource: {arn(key)} "
        f"because no resource-based policy allows the kms:{operation} action",
    )
    assert metadata(at, key)["KeyState"] == "Enabled"


def test_aliases_under_aws_are_refused(at) -> None:
    key = new_key(at)
    for command in ("create-alias", "update-alias"):
        error(
            at(T0, command, "--alias-name", "alias/aws/mine", "--target-key-id", key),
            "NotAuthorizedException",
            "".join(w.capitalize() for w in command.split("-")),
            "",
        )

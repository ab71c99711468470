"""AWS managed keys: created on first reference to a predefined AWS alias (`alias/aws/<service>`).

The DescribeKey reference: describing a predefined AWS alias that has no key yet creates the AWS
managed key, points the alias at it and returns it. These keys have KeyManager AWS, a policy
that lets the account use them only through their service, and yearly rotation that cannot be
turned off; every management operation on them is refused (states.refuse_aws_managed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .ids import key_arn, new_key_id
from .materials import new_material
from .model import DAY, Alias, Key, KeyManager, KeyState, KeyUsage, Origin
from .policy_text import jackson

if TYPE_CHECKING:
    from .env import Env
    from .ports import Repository

# Services whose predefined alias/aws/<name> exists in every account and Region.
PREDEFINED_SERVICES = {
    "acm": "acm",
    "dynamodb": "dynamodb",
    "ebs": "ec2",
    "elasticfilesystem": "elasticfilesystem",
    "es": "es",
    "glue": "glue",
    "kinesis": "kinesis",
    "kinesisvideo": "kinesisvideo",
    "lambda": "lambda",
    "rds": "rds",
    "redshift": "redshift",
    "s3": "s3",
    "secretsmanager": "secretsmanager",
    "sns": "sns",
    "sqs": "sqs",
    "ssm": "ssm",
    "xray": "xray",
}
ROTATION_PERIOD_IN_DAYS = 365


def aws_managed_key_policy(partition: str, account_id: str, region: str, service: str) -> str:
    """The shape of the policy AWS attaches: use only through the service, describe directly."""
    via = f"{PREDEFINED_SERVICES[service]}.{region}.amazonaws.com"
    return jackson(
        {
            "Version": "2012-10-17",
            "Id": f"auto-{service}-2",
            "Statement": [
                {
                    "Sid": f"Allow access through {service} for all principals in the account that are authorized "
                    f"to use {service}",
                    "Effect": "Allow",
                    "Principal": {"AWS": "*"},
                    "Action": [
                        "kms:Encrypt",
                        "kms:Decrypt",
                        "kms:ReEncrypt*",
                        "kms:GenerateDataKey*",
                        "kms:CreateGrant",
                        "kms:DescribeKey",
                    ],
                    "Resource": "*",
                    "Condition": {"StringEquals": {"kms:CallerAccount": account_id, "kms:ViaService": via}},
                },
                {
                    "Sid": "Allow direct access to key metadata to the account",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
                    "Action": ["kms:Describe*", "kms:Get*", "kms:List*", "kms:RevokeGrant"],
                    "Resource": "*",
                },
            ],
        }
    )


def create_aws_managed_key(repo: Repository, env: Env, alias_name: str) -> Alias | None:
    """Create the AWS managed key of a predefined alias; None if the alias is not predefined."""
    service = alias_name.removeprefix("alias/aws/")
    if not alias_name.startswith("alias/aws/") or service not in PREDEFINED_SERVICES:
        return None
    key_id = new_key_id(env.id_bytes(16), multi_region=False)
    now = env.now()
    key = Key(
        key_id=key_id,
        arn=key_arn(env.partition, env.region, env.account_id, key_id),
        account_id=env.account_id,
        region=env.region,
        creation_date=now,
        usage_tracked_since=now,
        description=f"Default key that protects my {service} data when no other key is defined",
        key_spec="SYMMETRIC_DEFAULT",
        key_usage=KeyUsage.ENCRYPT_DECRYPT,
        origin=Origin.AWS_KMS,
        key_state=KeyState.Enabled,
        policy=aws_managed_key_policy(env.partition, env.account_id, env.region, service),
        key_manager=KeyManager.AWS,
        materials=(new_material(env, "SYMMETRIC_DEFAULT"),),
        # AWS managed keys rotate every year, and nobody can turn that off.
        rotation_enabled=True,
        rotation_period_in_days=ROTATION_PERIOD_IN_DAYS,
        next_rotation_date=round(now + ROTATION_PERIOD_IN_DAYS * DAY, 3),
    )
    repo.put_key(key)
    alias = Alias(alias_name, key_id, now, now)
    repo.put_alias(alias)
    return alias

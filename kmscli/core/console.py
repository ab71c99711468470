"""The AWS KMS console's key-creation flow: its choices, its form checks and its default key policy.

The console differs from CreateKey in two ways that matter to people who follow its instructions
(the Developer Guide's "Creating symmetric/asymmetric KMS keys (console)"): it requires an alias and
creates it together with the key, and it attaches its own default key policy (account, key
administrators, key users and, for most key types, a grants statement) instead of the single
statement CreateKey attaches. This module holds those rules; the terminal walk-through lives in
cli/console.py and only converts words into the request below.

https://docs.aws.amazon.com/kms/latest/developerguide/create-keys.html
https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .api import call
from .errors import KmsError, ParamValidationError
from .ids import alias_arn
from .keyspecs import CHINA_ONLY, KEY_SPECS, UNGENERATABLE
from .model import KeyManager, KeyUsage, Origin, Tag
from .policy_text import jackson
from .servicemodel import shape
from .tuples import NamedTuple

if TYPE_CHECKING:
    from .env import Env
    from .keys import KeyMetadata
    from .ports import Repository


class ConsoleInputError(ValueError):
    """An answer the console's form refuses before anything is sent; str() is the form's message."""


class OperationFailed(Exception):
    """A KMS operation of the flow refused the request; carries that operation's name and error.

    The flow makes two calls (CreateKey, then CreateAlias), and the AWS CLI's error line names the
    operation that failed, so the error keeps its operation with it.
    """

    def __init__(self, operation: str, error: KmsError | ParamValidationError) -> None:
        super().__init__(f"{operation}: {error}")
        self.operation = operation
        self.error = error


# ---------------------------------------------------------------- step 1: configure key
# The console's "Key type" radio: Symmetric (encrypt and decrypt, or HMAC) or Asymmetric.
SYMMETRIC = "symmetric"
ASYMMETRIC = "asymmetric"
KEY_TYPES = (SYMMETRIC, ASYMMETRIC)

# Key usages the console offers per key type, in the console's order. ENCAPSULATE_DECAPSULATE
# (ML-KEM) is left out: the guide documents no console key users statement for it.
_USAGES_BY_TYPE: dict[str, tuple[KeyUsage, ...]] = {
    SYMMETRIC: (KeyUsage.ENCRYPT_DECRYPT, KeyUsage.GENERATE_VERIFY_MAC),
    ASYMMETRIC: (KeyUsage.ENCRYPT_DECRYPT, KeyUsage.SIGN_VERIFY, KeyUsage.KEY_AGREEMENT),
}

# Key material origins kmscli can offer: custom key stores are out of scope (docs/decisions.md#scope).
ORIGINS = (Origin.AWS_KMS.value, Origin.EXTERNAL.value)


def key_type_of(key_spec: str) -> str:
    return ASYMMETRIC if KEY_SPECS[key_spec].kind == "ASYMMETRIC" else SYMMETRIC


def _offered(key_spec: str) -> bool:
    return key_spec not in CHINA_ONLY and key_spec not in UNGENERATABLE


def key_specs() -> tuple[str, ...]:
    """Every key spec the console flow offers, in the key-spec table's order."""
    return tuple(s for s in KEY_SPECS if _offered(s) and usages_for_spec(s))


def key_usages() -> tuple[str, ...]:
    return tuple(dict.fromkeys(u.value for usages in _USAGES_BY_TYPE.values() for u in usages))


def usages_for_type(key_type: str) -> tuple[str, ...]:
    return tuple(u.value for u in _USAGES_BY_TYPE[key_type])


def usages_for_spec(key_spec: str) -> tuple[str, ...]:
    """The usages the console offers for a key spec (the spec table's, minus those it lacks)."""
    allowed = _USAGES_BY_TYPE[key_type_of(key_spec)]
    return tuple(u.value for u in KEY_SPECS[key_spec].usages if u in allowed)


def specs_for(key_type: str, key_usage: str) -> tuple[str, ...]:
    """The console's "Key spec" list for a key type and usage (SYMMETRIC_DEFAULT alone for symmetric encryption)."""
    return tuple(s for s in key_specs() if key_type_of(s) == key_type and key_usage in usages_for_spec(s))


def check_key_choice(key_spec: str, key_usage: str) -> None:
    """A key spec and usage the console offers together."""
    if key_spec not in key_specs():
        raise ConsoleInputError(f"The console flow does not offer key spec {key_spec}.")
    usages = usages_for_spec(key_spec)
    if key_usage not in usages:
        raise ConsoleInputError(
            f"Key usage {key_usage} is not available for key spec {key_spec}; choose {_one_of(usages)}."
        )


def _one_of(values: Iterable[str]) -> str:
    items = list(values)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


# ---------------------------------------------------------------- step 2: add labels
ALIAS_PREFIX = "alias/"
_ALIAS_CHARACTERS = re.compile(r"[a-zA-Z0-9/_-]+")
_ALIAS_MAX = int(shape("AliasNameType").max)


def alias_name(text: str) -> str:
    """The console's alias field, as the alias name it creates: `alias/` is added when not typed.

    The console requires an alias, refuses the `aws/` prefix (reserved for AWS managed keys) and
    accepts only alphanumerics, `/`, `_` and `-`.
    """
    name = text.strip()
    if name.startswith(ALIAS_PREFIX):
        name = name[len(ALIAS_PREFIX) :]
    if not name:
        raise ConsoleInputError("An alias is required: the console creates every key with an alias.")
    if name.startswith("aws/"):
        raise ConsoleInputError("The alias cannot begin with aws/: that prefix is reserved for AWS managed keys.")
    if _ALIAS_CHARACTERS.fullmatch(name) is None:
        raise ConsoleInputError(
            "The alias can contain only alphanumeric characters, forward slashes (/), underscores (_) and dashes (-)."
        )
    if len(ALIAS_PREFIX + name) > _ALIAS_MAX:
        raise ConsoleInputError(f"The alias can have at most {_ALIAS_MAX - len(ALIAS_PREFIX)} characters after alias/.")
    return ALIAS_PREFIX + name


def check_description(text: str) -> None:
    limit = int(shape("DescriptionType").max)
    if len(text) > limit:
        raise ConsoleInputError(f"The description can have at most {limit} characters.")


def check_tags(tags: Iterable[Tag]) -> None:
    """The tag rules CreateKey applies (lengths, the reserved aws: prefix, one value per key)."""
    from .tags import check_new_tags

    tags = list(tags)
    for tag in tags:
        if not 1 <= len(tag.tag_key) <= int(shape("TagKeyType").max):
            raise ConsoleInputError(f"A tag key must have 1 to {shape('TagKeyType').max} characters.")
        if len(tag.tag_value) > int(shape("TagValueType").max):
            raise ConsoleInputError(f"A tag value can have at most {shape('TagValueType').max} characters.")
    keys = [t.tag_key for t in tags]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise ConsoleInputError(f"Each tag key can be used once; repeated: {', '.join(duplicates)}.")
    try:
        check_new_tags(tags)
    except KmsError as e:
        raise ConsoleInputError(f"{e.message}.") from None


# ---------------------------------------------------------------- steps 3 and 4: permissions
_IAM_IDENTITY = re.compile(
    r"arn:(?P<partition>aws|aws-cn|aws-us-gov):iam::(?P<account>\d{12}):(user|role)/[\w+=,.@/-]+"
)


def check_principal(arn: str, *, partition: str, account_id: str, role: str) -> str:
    """A key administrator or key user: an IAM user or role of the key's own account, as the console lists them."""
    arn = arn.strip()
    m = _IAM_IDENTITY.fullmatch(arn)
    if m is None or m["partition"] != partition or m["account"] != account_id:
        raise ConsoleInputError(
            f"{role} must be IAM users or roles of account {account_id}, "
            f"such as arn:{partition}:iam::{account_id}:role/ExampleRole; not {arn!r}."
        )
    return arn


def check_other_account(account: str, *, account_id: str) -> str:
    account = account.strip()
    if re.fullmatch(r"\d{12}", account) is None:
        raise ConsoleInputError(f"An AWS account ID has 12 digits; not {account!r}.")
    if account == account_id:
        raise ConsoleInputError(
            f"{account} is this key's own account; add its IAM users and roles as key users instead."
        )
    return account


# ---------------------------------------------------------------- the console's default key policy


class ConsoleKeyRequest(NamedTuple):
    """Every answer of the console's create-key flow, checked."""

    alias_name: str
    key_spec: str = "SYMMETRIC_DEFAULT"
    key_usage: str = KeyUsage.ENCRYPT_DECRYPT.value
    origin: str = Origin.AWS_KMS.value
    multi_region: bool = False
    description: str = ""
    tags: tuple[Tag, ...] = ()
    key_administrators: tuple[str, ...] = ()
    allow_administrator_deletion: bool = True
    key_users: tuple[str, ...] = ()
    other_accounts: tuple[str, ...] = ()


# Key policy Id of console-made keys: the guide shows statements only; "key-consolepolicy-3" is
# the Id of the policies the console attaches today (as they appear in GetKeyPolicy output).
CONSOLE_POLICY_ID = "key-consolepolicy-3"

# Statement 1, as the Developer Guide's "Default key policy" page shows it for console-made keys.
# (CreateKey's own default policy uses the Sid "Enable IAM policies": docs/decisions.md#output, core/policy.py.)
ACCOUNT_SID = "Enable IAM User Permissions"

# Statement 2, the key administrators statement: the guide's action list, in its order.
ADMINISTRATORS_SID = "Allow access for Key Administrators"
ADMINISTRATOR_ACTIONS = (
    "kms:Create*",
    "kms:Describe*",
    "kms:Enable*",
    "kms:List*",
    "kms:Put*",
    "kms:Update*",
    "kms:Revoke*",
    "kms:Disable*",
    "kms:Get*",
    "kms:Delete*",
    "kms:TagResource",
    "kms:UntagResource",
)
# Present unless "Allow key administrators to delete this key" is cleared (guide, same section).
DELETION_ACTIONS = ("kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion")
# The guide's "special-purpose keys" additions: imported key material, multi-Region keys.
IMPORT_ACTIONS = ("kms:ImportKeyMaterial",)
MULTI_REGION_ACTIONS = ("kms:ReplicateKey", "kms:UpdatePrimaryRegion")

# Statement 3, the key users statement: the guide's action list for each kind of key.
USERS_SID = "Allow use of the key"
SYMMETRIC_ENCRYPTION = "symmetric encryption"
HMAC = "HMAC"
ASYMMETRIC_ENCRYPTION = "asymmetric encryption"
SIGNING = "asymmetric signing"
KEY_AGREEMENT = "key agreement"
USER_ACTIONS: dict[str, tuple[str, ...]] = {
    SYMMETRIC_ENCRYPTION: ("kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"),
    HMAC: ("kms:DescribeKey", "kms:GenerateMac", "kms:VerifyMac"),
    ASYMMETRIC_ENCRYPTION: ("kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:DescribeKey", "kms:GetPublicKey"),
    SIGNING: ("kms:DescribeKey", "kms:GetPublicKey", "kms:Sign", "kms:Verify"),
    KEY_AGREEMENT: ("kms:DescribeKey", "kms:GetPublicKey", "kms:DeriveSharedSecret"),
}

# Statement 4, "use the KMS key with AWS services": the guide's grants statement. The console
# adds it "for most key types": the guide's "Controlling access to HMAC KMS keys" page says the
# HMAC default policy does not include it.
GRANTS_SID = "Allow attachment of persistent resources"
GRANT_ACTIONS = ("kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant")
GRANTS_CONDITION = {"Bool": {"kms:GrantIsForAWSResource": True}}


def policy_kind(key_spec: str, key_usage: str) -> str:
    """Which of the guide's key users statements a key gets."""
    if key_usage == KeyUsage.GENERATE_VERIFY_MAC:
        return HMAC
    if key_spec == "SYMMETRIC_DEFAULT":
        return SYMMETRIC_ENCRYPTION
    return {
        KeyUsage.ENCRYPT_DECRYPT: ASYMMETRIC_ENCRYPTION,
        KeyUsage.SIGN_VERIFY: SIGNING,
        KeyUsage.KEY_AGREEMENT: KEY_AGREEMENT,
    }[KeyUsage(key_usage)]


def _principal(arns: list[str]) -> dict[str, Any]:
    # The console writes one principal as a string and several as a list.
    return {"AWS": arns[0] if len(arns) == 1 else arns}


def console_policy_document(partition: str, account_id: str, req: ConsoleKeyRequest) -> dict[str, Any]:
    """The console's default key policy for these answers, as a document (statement order as the console's).

    A statement whose principal list would be empty (no administrators; no users and no other
    accounts) is left out, as the console does: a statement needs at least one principal.
    """
    root = f"arn:{partition}:iam::{account_id}:root"
    statements: list[dict[str, Any]] = [
        {"Sid": ACCOUNT_SID, "Effect": "Allow", "Principal": {"AWS": root}, "Action": "kms:*", "Resource": "*"}
    ]
    if req.key_administrators:
        actions = list(ADMINISTRATOR_ACTIONS)
        if req.allow_administrator_deletion:
            actions += DELETION_ACTIONS
        if req.origin == Origin.EXTERNAL:
            actions += IMPORT_ACTIONS
        if req.multi_region:
            actions += MULTI_REGION_ACTIONS
        statements.append(
            {
                "Sid": ADMINISTRATORS_SID,
                "Effect": "Allow",
                "Principal": _principal(list(req.key_administrators)),
                "Action": actions,
                "Resource": "*",
            }
        )
    # Other accounts are added to the key users statements as account principals (guide example).
    users = [*req.key_users, *(f"arn:{partition}:iam::{a}:root" for a in req.other_accounts)]
    if users:
        kind = policy_kind(req.key_spec, req.key_usage)
        statements.append(
            {
                "Sid": USERS_SID,
                "Effect": "Allow",
                "Principal": _principal(users),
                "Action": list(USER_ACTIONS[kind]),
                "Resource": "*",
            }
        )
        if kind != HMAC:
            statements.append(
                {
                    "Sid": GRANTS_SID,
                    "Effect": "Allow",
                    "Principal": _principal(users),
                    "Action": list(GRANT_ACTIONS),
                    "Resource": "*",
                    "Condition": GRANTS_CONDITION,
                }
            )
    return {"Version": "2012-10-17", "Id": CONSOLE_POLICY_ID, "Statement": statements}


def console_key_policy(partition: str, account_id: str, req: ConsoleKeyRequest) -> str:
    """The console's default key policy text, formatted as KMS stores policies (see jackson())."""
    return jackson(console_policy_document(partition, account_id, req))


# ---------------------------------------------------------------- Finish: key and alias together


class ConsoleKeyResult(NamedTuple):
    key_metadata: KeyMetadata
    alias_name: str
    alias_arn: str


def _step(operation: str, params: Mapping[str, Any], repo: Repository, env: Env) -> Any:
    try:
        return call(operation, params, repo, env)
    except (KmsError, ParamValidationError) as e:
        raise OperationFailed(operation, e) from None


def create_console_key(repo: Repository, env: Env, req: ConsoleKeyRequest) -> ConsoleKeyResult:
    """Create the key with the console's default policy, then its alias, as the console's Finish does.

    Both calls run against the same repository, which is one store transaction: when CreateAlias
    refuses the alias, the error propagates and the transaction (the new key included) rolls back.
    """
    params: dict[str, Any] = {
        "Policy": console_key_policy(env.partition, env.account_id, req),
        "KeySpec": req.key_spec,
        "KeyUsage": req.key_usage,
        "Origin": req.origin,
        "MultiRegion": req.multi_region,
    }
    if req.description:
        params["Description"] = req.description
    if req.tags:
        params["Tags"] = [{"TagKey": t.tag_key, "TagValue": t.tag_value} for t in req.tags]
    created = _step("CreateKey", params, repo, env)
    key_id = created.key_metadata.key_id
    _step("CreateAlias", {"AliasName": req.alias_name, "TargetKeyId": key_id}, repo, env)
    return ConsoleKeyResult(
        created.key_metadata, req.alias_name, alias_arn(env.partition, env.region, env.account_id, req.alias_name)
    )


def alias_exists(repo: Repository, env: Env, name: str) -> bool:
    """Whether the alias is taken already, so the form can say so before Finish (the console does)."""
    from .keyring import live_alias

    # An alias whose key's deletion date passed went with the key, as create-alias sees it.
    return live_alias(repo, env, name) is not None


# ---------------------------------------------------------------- the key table (console list-keys)


class ConsoleKeyRow(NamedTuple):
    """One row of the console's key table."""

    aliases: tuple[str, ...]
    key_id: str
    status: str
    key_spec: str
    key_usage: str
    description: str
    deletion_date: float | None


_PAGE = 1000
# Keys whose material is in a custom key store (a CloudHSM cluster or an external key manager).
_IN_A_KEY_STORE = (Origin.AWS_CLOUDHSM, Origin.EXTERNAL_KEY_STORE)


def console_key_table(repo: Repository, env: Env, *, aws_managed: bool) -> list[ConsoleKeyRow]:
    """The customer managed keys (or the AWS managed ones) of the Region, as of now, in one read.

    The console sorts by alias; keys without one follow, by key ID. Each key is shown as it now
    stands, as a describe-key would settle it: from its summary when the clock changed nothing
    since it was written (transitions.nothing_due), otherwise read whole through the keyring (a
    deletion that fell due is done, so the table never shows a key that DescribeKey would call gone).
    """
    from .keyring import as_reported, live_key
    from .transitions import nothing_due

    # Each key's aliases in name order, as they are listed.
    aliases: dict[str, list[str]] = {}
    after: str | None = None
    while True:
        page = repo.list_aliases(None, after, _PAGE)
        for alias in page:
            if alias.target_key_id:
                aliases.setdefault(alias.target_key_id, []).append(alias.alias_name)
        if len(page) < _PAGE:
            break
        after = page[-1].alias_name
    rows: list[ConsoleKeyRow] = []
    after = None
    wanted = KeyManager.AWS if aws_managed else KeyManager.CUSTOMER
    now = env.now()
    while True:
        summaries = repo.list_key_summaries(after, _PAGE)
        for summary in summaries:
            # Whose key it is never changes, so the other kind is skipped unread.
            if summary.key_manager != wanted:
                continue
            if summary.origin in _IN_A_KEY_STORE:
                # Its status is Unavailable while its store is disconnected, as DescribeKey says:
                # that takes the whole key (its store's ID) and the store's connection state.
                key = live_key(repo, env, summary.key_id)
                key = None if key is None else as_reported(repo, key)
            else:
                key = summary if nothing_due(summary, now) else live_key(repo, env, summary.key_id)
            if key is None:
                continue
            rows.append(
                ConsoleKeyRow(
                    tuple(aliases.get(key.key_id, ())),
                    key.key_id,
                    str(key.key_state),
                    key.key_spec,
                    str(key.key_usage),
                    key.description,
                    key.deletion_date,
                )
            )
        if len(summaries) < _PAGE:
            break
        after = summaries[-1].key_id
    rows.sort(key=lambda r: (not r.aliases, r.aliases[0] if r.aliases else "", r.key_id))
    return rows

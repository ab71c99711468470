"""The operation registry and the single entry point, call(), shared by the CLI and the server.

call() checks a request against the model (validation.py), builds the operation's request
dataclass and runs its service function. Parameters arrive keyed by the API member names,
as botocore would send them; everything after this point speaks snake_case.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .env import Env
from .model import Tag
from .ports import Access
from .servicemodel import Shape, ShapeWalker, shape
from .shapes import OPERATIONS as MODEL_OPERATIONS
from .tuples import NamedTuple
from .validation import validate_request

if TYPE_CHECKING:
    from .ports import AccessKind, Repository


class Operation(NamedTuple):
    name: str
    func: Callable[[Repository, Env, Any], Any]
    request: type
    # What it does to the state: the session opens its transaction for it, the repository holds it to it.
    access: AccessKind

    @property
    def writes(self) -> bool:
        """Whether the store opens a write transaction for it from the start."""
        return self.access == Access.WRITES

    @property
    def input_shape(self) -> str:
        return str(MODEL_OPERATIONS[self.name]["input"])

    @property
    def output_shape(self) -> str | None:
        out = MODEL_OPERATIONS[self.name]["output"]
        return str(out) if out else None


# Which module implements each operation. Only the invoked operation's module is imported, so
# a command's start-up cost does not grow with the number of operations (a test checks that this
# table and the @operation registrations agree).
MODULES: dict[str, str] = {
    "CreateKey": "keys",
    "DescribeKey": "keys",
    "ListKeys": "keys",
    "GetKeyPolicy": "policy",
    "PutKeyPolicy": "policy",
    "ListKeyPolicies": "policy",
    "CreateAlias": "aliases",
    "UpdateAlias": "aliases",
    "DeleteAlias": "aliases",
    "ListAliases": "aliases",
    "TagResource": "tags",
    "UntagResource": "tags",
    "ListResourceTags": "tags",
    "UpdateKeyDescription": "lifecycle",
    "EnableKey": "lifecycle",
    "DisableKey": "lifecycle",
    "ScheduleKeyDeletion": "lifecycle",
    "CancelKeyDeletion": "lifecycle",
    "EnableKeyRotation": "rotation",
    "DisableKeyRotation": "rotation",
    "GetKeyRotationStatus": "rotation",
    "RotateKeyOnDemand": "rotation",
    "ListKeyRotations": "rotation",
    "GetParametersForImport": "imported_material",
    "ImportKeyMaterial": "imported_material",
    "DeleteImportedKeyMaterial": "imported_material",
    "ReplicateKey": "multiregion",
    "UpdatePrimaryRegion": "multiregion",
    "CreateGrant": "grants",
    "ListGrants": "grants",
    "ListRetirableGrants": "grants",
    "RetireGrant": "grants",
    "RevokeGrant": "grants",
    "Encrypt": "encryption",
    "Decrypt": "encryption",
    "ReEncrypt": "encryption",
    "GenerateDataKey": "datakeys",
    "GenerateDataKeyWithoutPlaintext": "datakeys",
    "GenerateDataKeyPair": "datakeys",
    "GenerateDataKeyPairWithoutPlaintext": "datakeys",
    "GenerateRandom": "datakeys",
    "Sign": "signing",
    "Verify": "signing",
    "GetPublicKey": "signing",
    "GenerateMac": "macs",
    "VerifyMac": "macs",
    "DeriveSharedSecret": "shared_secrets",
    "Encapsulate": "shared_secrets",
    "Decapsulate": "shared_secrets",
    "GetKeyLastUsage": "usage",
    "CreateCustomKeyStore": "customkeystores",
    "DescribeCustomKeyStores": "customkeystores",
    "UpdateCustomKeyStore": "customkeystores",
    "DeleteCustomKeyStore": "customkeystores",
    "ConnectCustomKeyStore": "customkeystores",
    "DisconnectCustomKeyStore": "customkeystores",
}

IMPLEMENTED: dict[str, Operation] = {}


def get_operation(name: str) -> Operation:
    if name not in IMPLEMENTED:
        import importlib

        importlib.import_module(f"{__package__}.{MODULES[name]}")
    return IMPLEMENTED[name]


def operation(request: type, *, access: AccessKind) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a service function as the implementation of the API operation it is named after.

    `describe_key` implements DescribeKey: the name is written once, in MODULES, and the function's
    module must be the one MODULES names for it. `access` says what it does to the state, truly:
    READS if it never writes, MAY_WRITE if it writes only when it must (anything that reads a key
    through the keyring may have to persist what the clock made due), WRITES if every success
    writes (tests/model/test_operation_access.py checks each declaration against what it does).
    """

    if access not in Access.KINDS:
        raise ValueError(f"access must be one of {', '.join(Access.KINDS)}, not {access!r}")

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        name = "".join(word.capitalize() for word in func.__name__.split("_"))
        module = func.__module__.rpartition(".")[2]
        if MODULES.get(name) != module:
            raise LookupError(f"{func.__module__}.{func.__name__}: api.MODULES does not give {name} to {module}")
        IMPLEMENTED[name] = Operation(name, func, request, access)
        return func

    return register


def call(name: str, params: Mapping[str, Any], repo: Repository, env: Env) -> Any:
    """Validate `params` against the model, then run operation `name`."""
    op = get_operation(name)
    validate_request(op.input_shape, params)
    # The operation's name travels in its Env: every key it reaches is admitted to it (keyring.py).
    env = env._replace(operation=name)
    if env.authority is not None:
        from .access import authorize_request

        env = authorize_request(env, name, params)
    result = op.func(repo, env, _REQUEST.build(op.request, shape(op.input_shape), params))
    if name in TRACKED:
        # A cryptographic operation that succeeded: the keys it used remember it (GetKeyLastUsage).
        record_usage(repo, env, name, result)
    return result


# The operations whose successful runs GetKeyLastUsage reports: the model's own list of them.
TRACKED = frozenset(shape("KeyLastUsageTrackingOperation").enum)


def record_usage(repo: Repository, env: Env, operation_name: str, result: Any) -> None:
    """Remember, on each key `result` names, that `operation_name` just used it (GetKeyLastUsage, usage.py)."""
    from .keyring import resolve_key

    used = [result.key_id, *([result.source_key_id] if operation_name == "ReEncrypt" else [])]
    # Recording is no request of its own: the keys were admitted already, so they are only read here.
    env = env._replace(operation=None)
    now = env.now()
    for key_arn in dict.fromkeys(used):
        # The results name keys by key ARN; a key of another account is recorded in that account.
        owner = key_arn.split(":")[4]
        home = repo if owner == env.account_id else repo.in_account(owner, env.region)
        key = resolve_key(home, env, key_arn.rsplit("/", 1)[1], allow_alias=False)
        if (key.last_used_operation, key.last_used_date) == (operation_name, now):
            continue
        home.put_key(
            key._replace(
                last_used_operation=operation_name,
                last_used_date=now,
                usage_tracked_since=key.usage_tracked_since if key.usage_tracked_since is not None else now,
            )
        )


# Input structures that the core handles as named tuples rather than dicts.
_STRUCTURES: dict[str, type] = {"Tag": Tag}


class _Request(ShapeWalker):
    """API parameters (wire names) -> the operation's request named tuple (snake_case fields).

    Lists become tuples, structures listed in _STRUCTURES their named tuples; the rest stays as given.
    """

    def build(self, cls: type, shape: Shape, params: Mapping[str, Any]) -> Any:
        members = shape.members.values()
        return cls(**{m.attr: self.walk(m.shape, params[m.name]) for m in members if params.get(m.name) is not None})

    def walk_list(self, shape: Shape, value: Any) -> tuple[Any, ...]:
        return tuple(self.walk(shape.member, v) for v in value)

    def walk_structure(self, shape: Shape, value: Any) -> Any:
        cls = _STRUCTURES.get(shape.name)
        return value if cls is None else self.build(cls, shape, value)


_REQUEST = _Request()

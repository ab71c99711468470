"""The identities file: the principals a user declares, with their profiles, access keys, tags and policies.

`KMSCLI_IDENTITIES`, else `identities.json` in the state directory. It is read and checked
before anything runs: any problem is one line naming the file and the place (a JSON pointer),
exit 255. Secret access keys are kept only to verify `kmscli serve` signatures; no message
ever contains one.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kmscli.core.tuples import NamedTuple

from .config import ConfigError, identities_path

if TYPE_CHECKING:
    from kmscli.core.authorization import Caller
    from kmscli.core.policy_document import PolicyGrammarError

PRINCIPAL_MEMBERS = ("Arn", "SessionName", "Profiles", "AccessKeys", "Tags", "Policies")
# Patterns, not compiled objects: re compiles (and caches) them on first use, so the commands that
# only look for the file (most of them, and there is often none) do not pay for compiling them.
_ACCESS_KEY_ID = r"[A-Z0-9]{16,128}"
_SESSION_NAME = r"[\w+=,.@-]{2,64}"
_POLICY_NAME = r"[\w+=,.@-]{1,128}"


class IdentitiesError(ConfigError):
    """The identities file cannot be used: `identities file PATH: POINTER: problem`."""


class Principal(NamedTuple):
    caller: Caller
    profiles: tuple[str, ...]
    # Access key ID -> secret access key.
    access_keys: Mapping[str, str]


class Identities(NamedTuple):
    path: str
    principals: tuple[Principal, ...]

    def by_profile(self, profile: str) -> Principal | None:
        return next((p for p in self.principals if profile in p.profiles), None)

    def by_arn(self, arn: str) -> Principal | None:
        """The principal whose ARN (or, for a role, whose session ARN) is `arn`."""
        return next((p for p in self.principals if arn in (p.caller.principal_arn, p.caller.arn)), None)

    def by_access_key(self, access_key_id: str) -> tuple[Principal, str] | None:
        for p in self.principals:
            if access_key_id in p.access_keys:
                return p, p.access_keys[access_key_id]
        return None


# The file last read, by (path, mtime, size): a command that needs it twice reads and checks it once.
_LOADED: dict[tuple[str, int, int], Identities] = {}


def load(state_dir: str, environ: Mapping[str, str]) -> Identities | None:
    """The identities file, checked; None when there is none."""
    path, named = identities_path(state_dir, environ)
    if not named and not os.path.isfile(path):
        # No file (or a state directory that is not one, which the store reports in its own words).
        return None
    try:
        with open(path, encoding="utf-8") as f:
            stat = os.fstat(f.fileno())
            version = (path, stat.st_mtime_ns, stat.st_size)
            if version in _LOADED:
                return _LOADED[version]
            text = f.read()
    except FileNotFoundError:
        if named:
            raise IdentitiesError(f"identities file {path}: no such file (KMSCLI_IDENTITIES)") from None
        return None
    except (OSError, UnicodeDecodeError) as e:
        raise IdentitiesError(f"identities file {path}: cannot be read: {e}") from None
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise IdentitiesError(f"identities file {path}: not valid JSON: {e}") from None
    from kmscli.core.policy_document import PolicyGrammarError

    try:
        identities = Identities(path, _principals(doc))
    except PolicyGrammarError as e:
        raise IdentitiesError(f"identities file {path}: {e.pointer or '/'}: {e.message}") from None
    _LOADED.clear()
    _LOADED[version] = identities
    return identities


def _fail(pointer: str, message: str) -> PolicyGrammarError:
    from kmscli.core.policy_document import PolicyGrammarError

    return PolicyGrammarError(pointer, message)


def _principals(doc: Any) -> tuple[Principal, ...]:
    if not isinstance(doc, dict):
        raise _fail("", "the file must hold a JSON object with a Principals list")
    for member in doc:
        if member != "Principals":
            raise _fail(f"/{member}", f"unknown member {member!r}")
    items = doc.get("Principals")
    if not isinstance(items, list):
        raise _fail("/Principals", "Principals must be a list")
    principals = [_principal(item, f"/Principals/{i}") for i, item in enumerate(items)]
    seen_profiles: dict[str, str] = {}
    seen_keys: dict[str, str] = {}
    seen_arns: dict[str, str] = {}
    for i, p in enumerate(principals):
        where = f"/Principals/{i}"
        if p.caller.principal_arn in seen_arns:
            raise _fail(f"{where}/Arn", f"the principal is already declared at {seen_arns[p.caller.principal_arn]}")
        seen_arns[p.caller.principal_arn] = where
        for j, profile in enumerate(p.profiles):
            if profile in seen_profiles:
                raise _fail(f"{where}/Profiles/{j}", f"profile {profile!r} is already used at {seen_profiles[profile]}")
            seen_profiles[profile] = f"{where}/Profiles/{j}"
        for j, key_id in enumerate(p.access_keys):
            if key_id in seen_keys:
                raise _fail(f"{where}/AccessKeys/{j}", f"access key {key_id} is already used at {seen_keys[key_id]}")
            seen_keys[key_id] = f"{where}/AccessKeys/{j}"
    return tuple(principals)


def _principal(item: Any, where: str) -> Principal:
    if not isinstance(item, dict):
        raise _fail(where, "a principal must be a JSON object")
    for member in item:
        if member not in PRINCIPAL_MEMBERS:
            raise _fail(f"{where}/{member}", f"unknown member {member!r}")
    arn = item.get("Arn")
    if not isinstance(arn, str):
        raise _fail(f"{where}/Arn", "Arn is required: an IAM user, IAM role or account root ARN")
    if not re.fullmatch(r"arn:aws(-cn|-us-gov)?:iam::\d{12}:(root|user/\S+|role/\S+)", arn):
        raise _fail(f"{where}/Arn", f"{arn!r} is not the ARN of an IAM user, an IAM role or an account root")
    session = item.get("SessionName")
    if session is not None and (not isinstance(session, str) or not re.fullmatch(_SESSION_NAME, session)):
        raise _fail(f"{where}/SessionName", "SessionName must be 2 to 64 letters, digits or +=,.@_-")
    if session is not None and ":role/" not in arn:
        raise _fail(f"{where}/SessionName", "only a role has sessions")
    profiles = _strings(item.get("Profiles", []), f"{where}/Profiles")
    keys = _access_keys(item.get("AccessKeys", []), f"{where}/AccessKeys")
    tags = _tags(item.get("Tags", []), f"{where}/Tags")
    policies = _policies(item.get("Policies", []), f"{where}/Policies", arn)
    from kmscli.core.authorization import caller_for

    caller = caller_for(arn, session_name=session, tags=tags, policies=policies)
    return Principal(caller, tuple(profiles), keys)


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list):
        raise _fail(where, "must be a list of strings")
    for i, v in enumerate(value):
        if not isinstance(v, str) or not v:
            raise _fail(f"{where}/{i}", "must be a non-empty string")
    return value


def _access_keys(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, list):
        raise _fail(where, "must be a list of {AccessKeyId, SecretAccessKey}")
    keys: dict[str, str] = {}
    for i, entry in enumerate(value):
        at = f"{where}/{i}"
        if not isinstance(entry, dict) or set(entry) != {"AccessKeyId", "SecretAccessKey"}:
            raise _fail(at, "an access key is an object with exactly AccessKeyId and SecretAccessKey")
        key_id, secret = entry["AccessKeyId"], entry["SecretAccessKey"]
        if not isinstance(key_id, str) or not re.fullmatch(_ACCESS_KEY_ID, key_id):
            raise _fail(f"{at}/AccessKeyId", "AccessKeyId must be 16 to 128 upper-case letters or digits")
        if not isinstance(secret, str) or not secret:
            # Never echo the value: it is a secret.
            raise _fail(f"{at}/SecretAccessKey", "SecretAccessKey must be a non-empty string")
        if key_id in keys:
            raise _fail(f"{at}/AccessKeyId", f"access key {key_id} is listed twice")
        keys[key_id] = secret
    return keys


def _tags(value: Any, where: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list):
        raise _fail(where, "must be a list of {Key, Value}")
    tags = []
    for i, entry in enumerate(value):
        if (
            not isinstance(entry, dict)
            or set(entry) != {"Key", "Value"}
            or not all(isinstance(v, str) for v in entry.values())
        ):
            raise _fail(f"{where}/{i}", "a tag is an object with exactly Key and Value, both strings")
        tags.append((entry["Key"], entry["Value"]))
    return tuple(tags)


def _policies(value: Any, where: str, arn: str) -> list[Any]:
    if not isinstance(value, list):
        raise _fail(where, "must be a list of {PolicyName, PolicyDocument}")
    policies = []
    names: set[str] = set()
    for i, entry in enumerate(value):
        at = f"{where}/{i}"
        if not isinstance(entry, dict) or set(entry) != {"PolicyName", "PolicyDocument"}:
            raise _fail(at, "a policy is an object with exactly PolicyName and PolicyDocument")
        name = entry["PolicyName"]
        if not isinstance(name, str) or not re.fullmatch(_POLICY_NAME, name):
            raise _fail(f"{at}/PolicyName", "PolicyName must be 1 to 128 letters, digits or +=,.@_-")
        if name in names:
            raise _fail(f"{at}/PolicyName", f"policy {name!r} is listed twice")
        names.add(name)
        document = entry["PolicyDocument"]
        if isinstance(document, str):
            try:
                parsed = json.loads(document)
            except ValueError:
                raise _fail(f"{at}/PolicyDocument", "the policy text is not valid JSON") from None
            text = document
        else:
            parsed, text = document, json.dumps(document, indent=4)
        from kmscli.core.policy_document import check_document, parse_policy

        check_document(parsed, f"{at}/PolicyDocument", kind="identity")
        policies.append(parse_policy(text, name, "identity"))
    return policies


def caller_from_arn(arn: str, identities: Identities | None) -> Caller:
    """KMSCLI_CALLER_ARN: a principal of the file (with its policies), or any ARN (with none)."""
    if identities is not None:
        principal = identities.by_arn(arn)
        if principal is not None:
            return principal.caller
    from kmscli.core.authorization import caller_for

    try:
        return caller_for(arn)
    except ValueError as e:
        raise ConfigError(f"KMSCLI_CALLER_ARN: {e}") from None

"""GetKeyLastUsage, and the record of each key's last successful cryptographic operation.

api.call (record_usage) records every operation of the model's KeyLastUsageTrackingOperation list
once it has succeeded (a dry run, a failed verification or any error records nothing), on each key
it used: ReEncrypt on its source and its destination key. Each key keeps its own record, so the members of
a multi-Region key set track their uses independently.
https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyLastUsage.html
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .api import operation
from .keyring import resolve_key
from .ports import Access
from .tuples import NamedTuple

if TYPE_CHECKING:
    from .env import Env
    from .ports import Repository


class GetKeyLastUsageRequest(NamedTuple):
    key_id: str


class KeyLastUsageData(NamedTuple):
    # kmscli keeps no CloudTrail and has no request ID in the core: those two members stay absent.
    operation: str | None = None
    timestamp: float | None = None
    cloud_trail_event_id: None = None
    kms_request_id: None = None


class GetKeyLastUsageResult(NamedTuple):
    key_id: str
    # An empty object while the key has not been used since tracking began (botocore's model).
    key_last_usage: KeyLastUsageData
    tracking_start_date: float
    key_creation_date: float


@operation(GetKeyLastUsageRequest, access=Access.MAY_WRITE)
def get_key_last_usage(repo: Repository, env: Env, req: GetKeyLastUsageRequest) -> GetKeyLastUsageResult:
    """The key's last successful cryptographic operation and its date, since tracking began.

    Any key state will do (the model lists no KMSInvalidStateException for it), and only key IDs and
    key ARNs name a key: alias names are not supported.
    """
    key = resolve_key(repo, env, req.key_id, allow_alias=False)
    # The later of when recording began and the key's creation (botocore's model, TrackingStartDate).
    # A key made before kmscli recorded uses has no record until its first use: tracking starts now.
    since = key.usage_tracked_since if key.usage_tracked_since is not None else env.now()
    return GetKeyLastUsageResult(
        key_id=key.key_id,
        key_last_usage=KeyLastUsageData(key.last_used_operation, key.last_used_date),
        tracking_start_date=max(since, key.creation_date),
        key_creation_date=key.creation_date,
    )

"""Env: everything the core needs from the outside world, injected.

The core never reads a clock, an environment variable or a randomness source itself;
the CLI builds an Env from docs/decisions.md#identity and docs/decisions.md#reproducible, and tests build a fixed one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .tuples import NamedTuple

if TYPE_CHECKING:
    from .access import Authority
    from .ports import KeyStoreBackends


class Env(NamedTuple):
    account_id: str
    region: str
    caller_arn: str
    # Epoch seconds.
    clock: Callable[[], float]
    # Key material and nonces: always truly random, even in reproducible runs (D5).
    random_bytes: Callable[[int], bytes]
    # Identifiers (key IDs, tokens): random, or a function of KMSCLI_SEED and a counter (D5).
    id_bytes: Callable[[int], bytes]
    # KeySpec name -> PKCS#8 DER of a fresh private key.
    generate_private_key: Callable[[str], bytes]
    # The response style: "guide" (the Developer Guide's examples) or "service" (today's KMS answers).
    responses: str = "guide"
    # Who is calling and how strictly to judge them (access.py); None evaluates nothing.
    authority: Authority | None = None
    # PKCS#11 tokens (CloudHSM clusters) and XKS proxies; None where nothing can reach them.
    key_stores: KeyStoreBackends | None = None
    # The operation being run, as the API names it (api.call sets it): the key-state rules, the
    # permission and the wording that apply to the keys it reaches (keyring.resolve_key reads it).
    operation: str | None = None

    @property
    def partition(self) -> str:
        return partition_for(self.region)

    def now(self) -> float:
        """The clock at millisecond precision, as KMS reports dates."""
        return round(self.clock(), 3)


RESPONSE_STYLES = ("guide", "service")


def partition_for(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"

"""GrantTokens: every operation that takes them accepts a live grant's token and refuses any other."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.kms_session import KmsSession, b64, implemented, write

BOB = "arn:aws:iam::111122223333:user/bob"


class Keys:
    """One key of each kind a GrantTokens operation needs, with what the operations consume."""

    def __init__(self, kms: KmsSession, tmp: Path) -> None:
        def key(*args: str) -> str:
            return str(kms.ok("create-key", *args)["KeyMetadata"]["KeyId"])

        self.tmp = tmp
        self.symmetric = key()
        self.signing = key("--key-spec", "ECC_NIST_P256", "--key-usage", "SIGN_VERIFY")
        self.hmac = key("--key-spec", "HMAC_256", "--key-usage", "GENERATE_VERIFY_MAC")
        self.agreement = key("--key-spec", "ECC_NIST_P256", "--key-usage", "KEY_AGREEMENT")
        self.kem = key("--key-spec", "ML_KEM_768", "--key-usage", "ENCAPSULATE_DECAPSULATE")
        self.kms = kms

    def file(self, name: str, data: bytes) -> str:
        return write(self.tmp / name, data)

    def ciphertext(self) -> str:
        doc = self.kms.ok("encrypt", "--key-id", self.symmetric, "--plaintext", "p")
        return self.file("ct.bin", b64(doc["CiphertextBlob"]))

    def signature(self) -> str:
        doc = self.kms.ok("sign", "--key-id", self.signing, "--message", "m", "--signing-algorithm", "ECDSA_SHA_256")
        return self.file("sig.bin", b64(doc["Signature"]))

    def mac(self) -> str:
        doc = self.kms.ok("generate-mac", "--key-id", self.hmac, "--message", "m", "--mac-algorithm", "HMAC_SHA_256")
        return self.file("mac.bin", b64(doc["Mac"]))

    def peer(self) -> str:
        public = ec.generate_private_key(ec.SECP256R1()).public_key()
        der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        return self.file("peer.der", der)

    def kem_ciphertext(self) -> str:
        doc = self.kms.ok("encapsulate", "--key-id", self.kem, "--encapsulation-algorithm", "ML_KEM")
        return self.file("kem.bin", b64(doc["SharedSecretCiphertextBlob"]))


# command -> its arguments besides --grant-tokens
COMMANDS: dict[str, Callable[[Keys], list[str]]] = {
    "describe-key": lambda k: ["--key-id", k.symmetric],
    "encrypt": lambda k: ["--key-id", k.symmetric, "--plaintext", "p"],
    "decrypt": lambda k: ["--ciphertext-blob", k.ciphertext()],
    "re-encrypt": lambda k: ["--ciphertext-blob", k.ciphertext(), "--destination-key-id", k.symmetric],
    "generate-data-key": lambda k: ["--key-id", k.symmetric, "--number-of-bytes", "32"],
    "generate-data-key-without-plaintext": lambda k: ["--key-id", k.symmetric, "--key-spec", "AES_256"],
    "generate-data-key-pair": lambda k: ["--key-id", k.symmetric, "--key-pair-spec", "ECC_NIST_P256"],
    "generate-data-key-pair-without-plaintext": lambda k: ["--key-id", k.symmetric, "--key-pair-spec", "ECC_NIST_P256"],
    "sign": lambda k: ["--key-id", k.signing, "--message", "m", "--signing-algorithm", "ECDSA_SHA_256"],
    "verify": lambda k: [
        "--key-id",
        k.signing,
        "--message",
        "m",
        "--signing-algorithm",
        "ECDSA_SHA_256",
        "--signature",
        k.signature(),
    ],
    "get-public-key": lambda k: ["--key-id", k.signing],
    "generate-mac": lambda k: ["--key-id", k.hmac, "--message", "m", "--mac-algorithm", "HMAC_SHA_256"],
    "verify-mac": lambda k: ["--key-id", k.hmac, "--message", "m", "--mac-algorithm", "HMAC_SHA_256", "--mac", k.mac()],
    "derive-shared-secret": lambda k: [
        "--key-id",
        k.agreement,
        "--key-agreement-algorithm",
        "ECDH",
        "--public-key",
        k.peer(),
    ],
    "encapsulate": lambda k: ["--key-id", k.kem, "--encapsulation-algorithm", "ML_KEM"],
    "decapsulate": lambda k: [
        "--key-id",
        k.kem,
        "--encapsulation-algorithm",
        "ML_KEM",
        "--shared-secret-ciphertext-blob",
        k.kem_ciphertext(),
    ],
    "create-grant": lambda k: ["--key-id", k.symmetric, "--grantee-principal", BOB, "--operations", "Decrypt"],
}


def _params() -> list[object]:
    return [
        pytest.param(
            command,
            marks=pytest.mark.skipif(not implemented(command), reason=f"kmscli has no {command} command yet"),
            id=command,
        )
        for command in COMMANDS
    ]


@pytest.mark.parametrize("command", _params())
def test_a_live_grant_token_is_accepted_and_any_other_refused(kms: KmsSession, tmp_path: Path, command: str) -> None:
    keys = Keys(kms, tmp_path)
    token = kms.ok("create-grant", "--key-id", keys.symmetric, "--grantee-principal", BOB, "--operations", "Decrypt")[
        "GrantToken"
    ]
    args = COMMANDS[command](keys)
    kms.ok(command, *args, "--grant-tokens", token)
    # Several tokens, all live.
    other = kms.ok("create-grant", "--key-id", keys.signing, "--grantee-principal", BOB, "--operations", "Sign")
    kms.ok(command, *args, "--grant-tokens", token, other["GrantToken"])
    invalid = ("InvalidGrantTokenException", "Invalid grant token")
    assert kms.error(command, *args, "--grant-tokens", "not-a-token") == invalid
    assert kms.error(command, *args, "--grant-tokens", token, "not-a-token") == invalid
    # A retired grant's tokens die with it.
    kms.ok("retire-grant", "--grant-token", other["GrantToken"])
    assert kms.error(command, *args, "--grant-tokens", other["GrantToken"]) == invalid


def test_a_token_of_another_region_is_refused(kms: KmsSession) -> None:
    key_id = kms.ok("create-key", "--region", "eu-west-1")["KeyMetadata"]["KeyId"]
    token = kms.ok(
        "create-grant",
        "--key-id",
        key_id,
        "--grantee-principal",
        BOB,
        "--operations",
        "Decrypt",
        "--region",
        "eu-west-1",
    )["GrantToken"]
    here = kms.ok("create-key")["KeyMetadata"]["KeyId"]
    assert kms.error("describe-key", "--key-id", here, "--grant-tokens", token) == (
        "InvalidGrantTokenException",
        "Invalid grant token",
    )


def test_at_most_ten_grant_tokens(kms: KmsSession) -> None:
    key_id = kms.ok("create-key")["KeyMetadata"]["KeyId"]
    code, message = kms.error("describe-key", "--key-id", key_id, "--grant-tokens", *[f"t{i}" for i in range(11)])
    assert code == "ValidationException"
    assert message.startswith("1 validation error detected: Value '[t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10]' at ")
    assert message.endswith(
        "'grantTokens' failed to satisfy constraint: Member must have length less than or equal to 10"
    )

"""Errors the core raises: one class per AWS error code, carrying only code and message.

The CLI (one boundary in cli/app.py) turns them into the AWS CLI's stderr line and exit
status; the core knows nothing of streams, exit codes or operation names.
"""

from __future__ import annotations


class KmsError(Exception):
    """A service error: what KMS answers with an HTTP 4xx `{"__type", "message"}` body."""

    code = "KmsError"

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def _error(code: str) -> type[KmsError]:
    return type(code, (KmsError,), {"code": code, "__doc__": f"AWS error code {code}.", "__module__": __name__})


def __getattr__(name: str) -> type[KmsError]:
    """An error class, made the first time it is asked for (`from .errors import NotFoundException`).

    Each class below is only declared: making all fifty costs every command ~1 ms of start-up, and a
    command raises one error at most. setdefault keeps one class per code when threads race here.
    """
    if __annotations__.get(name) != "type[KmsError]":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    cls: type[KmsError] = globals().setdefault(name, _error(name))
    return cls


# The class name is the AWS error code (docs/decisions.md#names), so `except NotFoundException`
# reads like the API reference.
AccessDeniedException: type[KmsError]
AlreadyExistsException: type[KmsError]
ConflictException: type[KmsError]
CustomKeyStoreNotFoundException: type[KmsError]
DisabledException: type[KmsError]
DryRunOperationException: type[KmsError]
ExpiredImportTokenException: type[KmsError]
IncorrectKeyException: type[KmsError]
IncorrectKeyMaterialException: type[KmsError]
InvalidAliasNameException: type[KmsError]
InvalidArnException: type[KmsError]
InvalidCiphertextException: type[KmsError]
InvalidGrantIdException: type[KmsError]
InvalidGrantTokenException: type[KmsError]
InvalidImportTokenException: type[KmsError]
InvalidKeyUsageException: type[KmsError]
InvalidMarkerException: type[KmsError]
KMSInvalidMacException: type[KmsError]
KMSInvalidSignatureException: type[KmsError]
KMSInvalidStateException: type[KmsError]
LimitExceededException: type[KmsError]
MalformedPolicyDocumentException: type[KmsError]
NotAuthorizedException: type[KmsError]
NotFoundException: type[KmsError]
TagException: type[KmsError]
UnsupportedOperationException: type[KmsError]
ValidationException: type[KmsError]


class ParamValidationError(Exception):
    """Client-side shape problems (required, type, min), reported all at once as botocore does."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("Parameter validation failed:\n" + "\n".join(problems))
        self.problems = problems


# Custom key stores.
CloudHsmClusterInUseException: type[KmsError]
CloudHsmClusterInvalidConfigurationException: type[KmsError]
CloudHsmClusterNotActiveException: type[KmsError]
CloudHsmClusterNotFoundException: type[KmsError]
CloudHsmClusterNotRelatedException: type[KmsError]
CustomKeyStoreHasCMKsException: type[KmsError]
CustomKeyStoreInvalidStateException: type[KmsError]
CustomKeyStoreNameInUseException: type[KmsError]
DependencyTimeoutException: type[KmsError]
IncorrectTrustAnchorException: type[KmsError]
KMSInternalException: type[KmsError]
XksKeyAlreadyInUseException: type[KmsError]
XksKeyInvalidConfigurationException: type[KmsError]
XksKeyNotFoundException: type[KmsError]
XksProxyIncorrectAuthenticationCredentialException: type[KmsError]
XksProxyInvalidConfigurationException: type[KmsError]
XksProxyInvalidResponseException: type[KmsError]
XksProxyUriEndpointInUseException: type[KmsError]
XksProxyUriInUseException: type[KmsError]
XksProxyUriUnreachableException: type[KmsError]
XksProxyVpcEndpointServiceInUseException: type[KmsError]
XksProxyVpcEndpointServiceInvalidConfigurationException: type[KmsError]
XksProxyVpcEndpointServiceNotFoundException: type[KmsError]

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
    return type(code, (KmsError,), {"code": code, "__doc__": f"AWS error code {code}."})


# The class name is the AWS error code (docs/decisions.md#names), so `except NotFoundException`
# reads like the API reference.
AccessDeniedException = _error("AccessDeniedException")
AlreadyExistsException = _error("AlreadyExistsException")
ConflictException = _error("ConflictException")
CustomKeyStoreNotFoundException = _error("CustomKeyStoreNotFoundException")
DisabledException = _error("DisabledException")
DryRunOperationException = _error("DryRunOperationException")
ExpiredImportTokenException = _error("ExpiredImportTokenException")
IncorrectKeyException = _error("IncorrectKeyException")
IncorrectKeyMaterialException = _error("IncorrectKeyMaterialException")
InvalidAliasNameException = _error("InvalidAliasNameException")
InvalidArnException = _error("InvalidArnException")
InvalidCiphertextException = _error("InvalidCiphertextException")
InvalidGrantIdException = _error("InvalidGrantIdException")
InvalidGrantTokenException = _error("InvalidGrantTokenException")
InvalidImportTokenException = _error("InvalidImportTokenException")
InvalidKeyUsageException = _error("InvalidKeyUsageException")
InvalidMarkerException = _error("InvalidMarkerException")
KMSInvalidMacException = _error("KMSInvalidMacException")
KMSInvalidSignatureException = _error("KMSInvalidSignatureException")
KMSInvalidStateException = _error("KMSInvalidStateException")
LimitExceededException = _error("LimitExceededException")
MalformedPolicyDocumentException = _error("MalformedPolicyDocumentException")
NotAuthorizedException = _error("NotAuthorizedException")
NotFoundException = _error("NotFoundException")
TagException = _error("TagException")
UnsupportedOperationException = _error("UnsupportedOperationException")
ValidationException = _error("ValidationException")


class ParamValidationError(Exception):
    """Client-side shape problems (required, type, min), reported all at once as botocore does."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("Parameter validation failed:\n" + "\n".join(problems))
        self.problems = problems


# Custom key stores.
CloudHsmClusterInUseException = _error("CloudHsmClusterInUseException")
CloudHsmClusterInvalidConfigurationException = _error("CloudHsmClusterInvalidConfigurationException")
CloudHsmClusterNotActiveException = _error("CloudHsmClusterNotActiveException")
CloudHsmClusterNotFoundException = _error("CloudHsmClusterNotFoundException")
CloudHsmClusterNotRelatedException = _error("CloudHsmClusterNotRelatedException")
CustomKeyStoreHasCMKsException = _error("CustomKeyStoreHasCMKsException")
CustomKeyStoreInvalidStateException = _error("CustomKeyStoreInvalidStateException")
CustomKeyStoreNameInUseException = _error("CustomKeyStoreNameInUseException")
DependencyTimeoutException = _error("DependencyTimeoutException")
IncorrectTrustAnchorException = _error("IncorrectTrustAnchorException")
KMSInternalException = _error("KMSInternalException")
XksKeyAlreadyInUseException = _error("XksKeyAlreadyInUseException")
XksKeyInvalidConfigurationException = _error("XksKeyInvalidConfigurationException")
XksKeyNotFoundException = _error("XksKeyNotFoundException")
XksProxyIncorrectAuthenticationCredentialException = _error("XksProxyIncorrectAuthenticationCredentialException")
XksProxyInvalidConfigurationException = _error("XksProxyInvalidConfigurationException")
XksProxyInvalidResponseException = _error("XksProxyInvalidResponseException")
XksProxyUriEndpointInUseException = _error("XksProxyUriEndpointInUseException")
XksProxyUriInUseException = _error("XksProxyUriInUseException")
XksProxyUriUnreachableException = _error("XksProxyUriUnreachableException")
XksProxyVpcEndpointServiceInUseException = _error("XksProxyVpcEndpointServiceInUseException")
XksProxyVpcEndpointServiceInvalidConfigurationException = _error(
    "XksProxyVpcEndpointServiceInvalidConfigurationException"
)
XksProxyVpcEndpointServiceNotFoundException = _error("XksProxyVpcEndpointServiceNotFoundException")

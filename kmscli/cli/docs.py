"""Help text for each command: a one-line summary and an example from AWS's documentation."""

from __future__ import annotations

# operation -> (summary of at most 45 characters, example command line)
COMMANDS: dict[str, tuple[str, str]] = {
    "CreateKey": (
        "Create a KMS key with real key material.",
        "kmscli create-key --key-spec RSA_4096 --key-usage ENCRYPT_DECRYPT",
    ),
    "DescribeKey": (
        "Show the metadata of a KMS key.",
        "kmscli describe-key --key-id alias/ExampleAlias",
    ),
    "CreateAlias": (
        "Create a display name (alias) for a KMS key.",
        "kmscli create-alias --alias-name alias/ExampleAlias --target-key-id 1234abcd-12ab-34cd-56ef-1234567890ab",
    ),
    "GetKeyPolicy": (
        "Print the key policy of a KMS key.",
        "kmscli get-key-policy --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --policy-name default --output text",
    ),
    "TagResource": (
        "Add or overwrite tags on a KMS key.",
        "kmscli tag-resource --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --tags TagKey=Purpose,TagValue=Test",
    ),
    "ListKeys": (
        "List the KMS keys of the account and Region.",
        "kmscli list-keys",
    ),
    "ListAliases": (
        "List aliases, optionally of one key.",
        "kmscli list-aliases --key-id 1234abcd-12ab-34cd-56ef-1234567890ab",
    ),
    "UpdateAlias": (
        "Point an alias at another KMS key.",
        "kmscli update-alias --alias-name alias/ExampleAlias --target-key-id 1234abcd-12ab-34cd-56ef-1234567890ab",
    ),
    "DeleteAlias": (
        "Delete an alias.",
        "kmscli delete-alias --alias-name alias/ExampleAlias",
    ),
    "PutKeyPolicy": (
        "Replace the key policy of a KMS key.",
        "kmscli put-key-policy --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --policy file://key_policy.json",
    ),
    "ListKeyPolicies": (
        "List the policy names of a KMS key.",
        "kmscli list-key-policies --key-id 1234abcd-12ab-34cd-56ef-1234567890ab",
    ),
    "UntagResource": (
        "Remove tags from a KMS key.",
        "kmscli untag-resource --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --tag-keys Purpose",
    ),
    "ListResourceTags": (
        "List the tags of a KMS key.",
        "kmscli list-resource-tags --key-id 1234abcd-12ab-34cd-56ef-1234567890ab",
    ),
    "UpdateKeyDescription": (
        "Replace the description of a KMS key.",
        'kmscli update-key-description --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --description "Key for test data"',
    ),
    "EnableKey": (
        "Enable a KMS key.",
        "kmscli enable-key --key-id 1234abcd-12ab-34cd-56ef-1234567890ab",
    ),
    "DisableKey": (
        "Disable a KMS key.",
        "kmscli disable-key --key-id 1234abcd-12ab-34cd-56ef-1234567890ab",
    ),
    "ScheduleKeyDeletion": (
        "Schedule the deletion of a KMS key.",
        "kmscli schedule-key-deletion --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --pending-window-in-days 7",
    ),
    "CancelKeyDeletion": (
        "Cancel the scheduled deletion of a key.",
        "kmscli cancel-key-deletion --key-id 1234abcd-12ab-34cd-56ef-1234567890ab",
    ),
    "EnableKeyRotation": (
        "Turn on automatic key rotation.",
        "kmscli enable-key-rotation --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --rotation-period-in-days 180",
    ),
    "DisableKeyRotation": (
        "Turn off automatic key rotation.",
        "kmscli disable-key-rotation --key-id 1234abcd-12ab-34cd-56ef-1234567890ab",
    ),
    "GetKeyRotationStatus": (
        "Show whether a key rotates automatically.",
        "kmscli get-key-rotation-status --key-id 1234abcd-12ab-34cd-56ef-1234567890ab",
    ),
    "GetKeyLastUsage": (
        "Show when a key was last used, and for what.",
        "kmscli get-key-last-usage --key-id 1234abcd-12ab-34cd-56ef-1234567890ab",
    ),
    "RotateKeyOnDemand": (
        "Rotate the key material of a key now.",
        "kmscli rotate-key-on-demand --key-id 1234abcd-12ab-34cd-56ef-1234567890ab",
    ),
    "ListKeyRotations": (
        "List the completed rotations of a key.",
        "kmscli list-key-rotations --key-id 1234abcd-12ab-34cd-56ef-1234567890ab",
    ),
    "Encrypt": (
        "Encrypt data with a KMS key.",
        "kmscli encrypt --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --plaintext fileb://ExamplePlaintextFile --output text --query CiphertextBlob | base64 --decode > ExampleEncryptedFile",
    ),
    "Decrypt": (
        "Decrypt a ciphertext made by a KMS key.",
        "kmscli decrypt --ciphertext-blob fileb://ExampleEncryptedFile --output text --query Plaintext | base64 --decode > ExamplePlaintextFile",
    ),
    "ReEncrypt": (
        "Decrypt and encrypt again under another key.",
        "kmscli re-encrypt --ciphertext-blob fileb://ExampleEncryptedFile --destination-key-id 1234abcd-12ab-34cd-56ef-1234567890ab",
    ),
    "GenerateDataKey": (
        "Generate a data key and its encrypted copy.",
        "kmscli generate-data-key --key-id alias/ExampleAlias --key-spec AES_256",
    ),
    "GenerateDataKeyWithoutPlaintext": (
        "Generate an encrypted data key only.",
        "kmscli generate-data-key-without-plaintext --key-id alias/ExampleAlias --key-spec AES_256",
    ),
    "GenerateDataKeyPair": (
        "Generate an asymmetric data key pair.",
        "kmscli generate-data-key-pair --key-id alias/ExampleAlias --key-pair-spec RSA_3072",
    ),
    "GenerateDataKeyPairWithoutPlaintext": (
        "Generate a data key pair, private key sealed.",
        "kmscli generate-data-key-pair-without-plaintext --key-id alias/ExampleAlias --key-pair-spec ECC_NIST_P384",
    ),
    "GenerateRandom": (
        "Generate random bytes.",
        "kmscli generate-random --number-of-bytes 32",
    ),
    "Sign": (
        "Sign a message with an asymmetric KMS key.",
        "kmscli sign --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --message fileb://message.txt --message-type RAW --signing-algorithm RSASSA_PKCS1_V1_5_SHA_256",
    ),
    "Verify": (
        "Verify a signature made by a KMS key.",
        "kmscli verify --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --message fileb://message.txt --message-type RAW --signing-algorithm RSASSA_PKCS1_V1_5_SHA_256 --signature fileb://signature.bin",
    ),
    "GetPublicKey": (
        "Download the public key of a key pair.",
        "kmscli get-public-key --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --output text --query PublicKey",
    ),
    "GenerateMac": (
        "Compute an HMAC of a message.",
        "kmscli generate-mac --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --message fileb://message.txt --mac-algorithm HMAC_SHA_384",
    ),
    "VerifyMac": (
        "Verify an HMAC made by a KMS key.",
        "kmscli verify-mac --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --message fileb://message.txt --mac-algorithm HMAC_SHA_384 --mac fileb://mac.bin",
    ),
    "DeriveSharedSecret": (
        "Derive an ECDH shared secret.",
        "kmscli derive-shared-secret --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --key-agreement-algorithm ECDH --public-key fileb://peer_public_key.der",
    ),
    "Encapsulate": (
        "Encapsulate a shared secret (ML-KEM).",
        "kmscli encapsulate --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --encapsulation-algorithm ML_KEM",
    ),
    "Decapsulate": (
        "Decapsulate a shared secret (ML-KEM).",
        "kmscli decapsulate --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --ciphertext-blob fileb://ciphertext.bin --encapsulation-algorithm ML_KEM",
    ),
    "GetParametersForImport": (
        "Get a wrapping key and import token.",
        "kmscli get-parameters-for-import --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --wrapping-algorithm RSAES_OAEP_SHA_256 --wrapping-key-spec RSA_4096",
    ),
    "ImportKeyMaterial": (
        "Import key material into a KMS key.",
        "kmscli import-key-material --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --encrypted-key-material fileb://EncryptedKeyMaterial.bin --import-token fileb://ImportToken.bin --expiration-model KEY_MATERIAL_DOES_NOT_EXPIRE",
    ),
    "DeleteImportedKeyMaterial": (
        "Delete the imported key material of a key.",
        "kmscli delete-imported-key-material --key-id 1234abcd-12ab-34cd-56ef-1234567890ab",
    ),
    "ReplicateKey": (
        "Replicate a multi-Region key to a Region.",
        "kmscli replicate-key --key-id mrk-1234abcd12ab34cd56ef1234567890ab --replica-region us-west-2",
    ),
    "UpdatePrimaryRegion": (
        "Make a replica the multi-Region primary.",
        "kmscli update-primary-region --key-id mrk-1234abcd12ab34cd56ef1234567890ab --primary-region eu-west-2",
    ),
    "CreateGrant": (
        "Grant principals permission to use a key.",
        "kmscli create-grant --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --grantee-principal arn:aws:iam::111122223333:role/ExampleRole --operations Decrypt Encrypt",
    ),
    "ListGrants": (
        "List the grants of a KMS key.",
        "kmscli list-grants --key-id 1234abcd-12ab-34cd-56ef-1234567890ab",
    ),
    "ListRetirableGrants": (
        "List grants a principal can retire.",
        "kmscli list-retirable-grants --retiring-principal arn:aws:iam::111122223333:role/ExampleRole",
    ),
    "RetireGrant": (
        "Retire a grant.",
        "kmscli retire-grant --grant-token $GRANT_TOKEN",
    ),
    "RevokeGrant": (
        "Revoke a grant.",
        "kmscli revoke-grant --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --grant-id 1234a2345b8a4e350500d432bccf8ecd6506d6b6a1f7c5cd",
    ),
    "CreateCustomKeyStore": (
        "Create a CloudHSM or external key store.",
        "kmscli create-custom-key-store --custom-key-store-name ExampleKeyStore --cloud-hsm-cluster-id cluster-234a567bcde --key-store-password kmsPswd --trust-anchor-certificate file://customerCA.crt",
    ),
    "DescribeCustomKeyStores": (
        "Describe the custom key stores.",
        "kmscli describe-custom-key-stores --custom-key-store-name ExampleKeyStore",
    ),
    "UpdateCustomKeyStore": (
        "Rename or reconfigure a custom key store.",
        "kmscli update-custom-key-store --custom-key-store-id cks-1234567890abcdef0 --new-custom-key-store-name DevelopmentKeys",
    ),
    "DeleteCustomKeyStore": (
        "Delete a disconnected, empty key store.",
        "kmscli delete-custom-key-store --custom-key-store-id cks-1234567890abcdef0",
    ),
    "ConnectCustomKeyStore": (
        "Connect a custom key store.",
        "kmscli connect-custom-key-store --custom-key-store-id cks-1234567890abcdef0",
    ),
    "DisconnectCustomKeyStore": (
        "Disconnect a custom key store.",
        "kmscli disconnect-custom-key-store --custom-key-store-id cks-1234567890abcdef0",
    ),
}

# What a first try most often gets wrong, said after the summary.
NOTES: dict[str, str] = {
    "CreateKey": (
        "Asymmetric key specs (RSA_*, ECC_*, ML_DSA_*, ML_KEM_*, SM2) and HMAC key specs need --key-usage: "
        "SIGN_VERIFY, ENCRYPT_DECRYPT, KEY_AGREEMENT or GENERATE_VERIFY_MAC."
    ),
    "Encrypt": (
        "The output's CiphertextBlob is base64-encoded: with --output text --query CiphertextBlob, pipe it "
        "through base64 --decode to get the bytes that decrypt --ciphertext-blob fileb://FILE reads."
    ),
    "Decrypt": (
        "The output's Plaintext is base64-encoded: with --output text --query Plaintext, pipe it through "
        "base64 --decode to get the original bytes. A symmetric ciphertext names its key, so --key-id is optional."
    ),
    "GenerateDataKey": "Plaintext and CiphertextBlob print base64-encoded.",
    "GenerateRandom": "Plaintext prints base64-encoded.",
    "Sign": "The output's Signature is base64-encoded; verify --signature fileb://FILE wants its bytes.",
    "GenerateMac": "The output's Mac is base64-encoded; verify-mac --mac fileb://FILE wants its bytes.",
}

# Said once under every command's options instead of under each string option.
EPILOG = (
    "Every string option also accepts file://PATH, which reads its value from a file, and every blob "
    "option fileb://PATH, the file's raw bytes. Global options (--output, --query, --region...) may follow "
    "the command: kmscli --help lists them."
)

# What the service uses when an option is left out: (operation, member) -> value.
DEFAULTS: dict[tuple[str, str], str] = {
    ("CreateKey", "KeySpec"): "SYMMETRIC_DEFAULT",
    ("CreateKey", "KeyUsage"): "ENCRYPT_DECRYPT",
    ("CreateKey", "Origin"): "AWS_KMS",
    ("Encrypt", "EncryptionAlgorithm"): "SYMMETRIC_DEFAULT",
    ("Decrypt", "EncryptionAlgorithm"): "SYMMETRIC_DEFAULT",
    ("ReEncrypt", "SourceEncryptionAlgorithm"): "SYMMETRIC_DEFAULT",
    ("ReEncrypt", "DestinationEncryptionAlgorithm"): "SYMMETRIC_DEFAULT",
    ("Sign", "MessageType"): "RAW",
    ("Verify", "MessageType"): "RAW",
    ("ScheduleKeyDeletion", "PendingWindowInDays"): "30",
    ("EnableKeyRotation", "RotationPeriodInDays"): "365",
    ("GetKeyPolicy", "PolicyName"): "default",
    ("PutKeyPolicy", "PolicyName"): "default",
}

# How --help names the value of an option of each kind (Click says TEXT for strings, INTEGER for integers).
METAVARS = {
    "blob": "BLOB",
    "timestamp": "TIMESTAMP",
    "map": "MAP",
    "structure": "STRUCTURE",
    "list": "LIST",
}

# How each kind of parameter may be written, appended to every option's help.
FORMS = {
    "string": "",
    "integer": "",
    "long": "",
    "boolean": "A flag; the --no- form sets false.",
    "blob": "Text (its UTF-8 bytes), or fileb://PATH for raw bytes; base64 with --cli-binary-format base64.",
    "timestamp": "ISO 8601 (2030-01-01T00:00:00Z) or epoch seconds.",
    "map": "Shorthand k1=v1,k2=v2 or a JSON object.",
    "structure": "Shorthand k1=v1,k2=v2 or a JSON object.",
    "list<string>": "One or more words, or a JSON list.",
    "list<structure>": "One or more shorthand words (TagKey=a,TagValue=b TagKey=c,TagValue=d) or a JSON list.",
}

# What each parameter is, in one sentence (the accepted forms are added from its type).
MEMBERS: dict[str, str] = {
    "AliasName": "The alias, beginning with alias/ (not alias/aws/).",
    "BypassPolicyLockoutSafetyCheck": "Skip the check that the new policy still lets you change it.",
    "CiphertextBlob": "The ciphertext to decrypt.",
    "CloudHsmClusterId": "The cluster ID, declared in the CloudHSM clusters file.",
    "Constraints": "Encryption context constraints of the grant.",
    "CustomKeyStoreId": "The custom key store ID (cks-...).",
    "CustomKeyStoreName": "The name of the custom key store.",
    "CustomKeyStoreType": "AWS_CLOUDHSM (a PKCS#11 token) or EXTERNAL_KEY_STORE (an XKS proxy).",
    "CustomerMasterKeySpec": "Deprecated spelling of --key-spec.",
    "Description": "A description of the key.",
    "DestinationEncryptionAlgorithm": "The algorithm that encrypts again.",
    "DestinationEncryptionContext": "The encryption context of the new ciphertext.",
    "DestinationKeyId": "The key that encrypts again: key ID, key ARN, alias name or alias ARN.",
    "DryRun": "Check everything, then answer DryRunOperationException instead of acting.",
    "DryRunModifiers": "What a dry run leaves unchecked (IGNORE_CIPHERTEXT).",
    "EncapsulationAlgorithm": "The key encapsulation algorithm (ML_KEM).",
    "EncryptedKeyMaterial": "The key material, wrapped with the public key from get-parameters-for-import.",
    "EncryptionAlgorithm": "The encryption algorithm.",
    "EncryptionContext": "Key-value pairs bound to the ciphertext; decrypt must give the same.",
    "ExpirationModel": "Whether the imported key material expires.",
    "GrantId": "The grant ID.",
    "GrantToken": "A grant token from create-grant.",
    "GrantTokens": "Grant tokens from create-grant.",
    "GranteePrincipal": "The principal the grant gives permissions to.",
    "GranteeServicePrincipal": "The AWS service principal the grant gives permissions to.",
    "ImportToken": "The import token from get-parameters-for-import.",
    "ImportType": "Whether this imports new or existing key material.",
    "IncludeKeyMaterial": "Also list the first and pending key material (ALL_KEY_MATERIAL).",
    "KeyAgreementAlgorithm": "The key agreement algorithm (ECDH).",
    "KeyId": "The KMS key: key ID, key ARN, alias name or alias ARN where the command accepts aliases.",
    "KeyMaterialDescription": "A description of the imported key material.",
    "KeyMaterialId": "The key material ID.",
    "KeyPairSpec": "The type of the data key pair.",
    "KeySpec": "The type of key (key spec).",
    "KeyStorePassword": "The password of kmsuser: the token's user PIN.",
    "KeyUsage": "What the key is for.",
    "Limit": "The most items one page holds.",
    "Mac": "The HMAC to verify.",
    "MacAlgorithm": "The HMAC algorithm.",
    "Marker": "The NextMarker of the previous page.",
    "Message": "The message, or its digest with --message-type DIGEST.",
    "MessageType": "Whether --message is the message (RAW) or its digest (DIGEST).",
    "MultiRegion": "Create a multi-Region primary key.",
    "Name": "A name that makes create-grant idempotent.",
    "NewCustomKeyStoreName": "A new name for the custom key store.",
    "NumberOfBytes": "How many bytes.",
    "Operations": "The operations the grant allows.",
    "Origin": "Where the key material comes from.",
    "PendingWindowInDays": "Days before the key is deleted, 7 to 30.",
    "Plaintext": "The data to encrypt.",
    "Policy": "The key policy, a JSON document.",
    "PolicyName": "The policy name; only default exists.",
    "PrimaryRegion": "The Region of the replica that becomes the primary.",
    "PublicKey": "The other party's public key, DER-encoded.",
    "Recipient": "An attestation document (not supported by kmscli).",
    "ReplicaRegion": "The Region to replicate the key to.",
    "ResourceOwners": "Whose keys to list (SELF).",
    "RetiringPrincipal": "The principal that may retire the grant.",
    "RetiringServicePrincipal": "The AWS service principal that may retire the grant.",
    "RotationPeriodInDays": "Days between automatic rotations, 90 to 2560.",
    "SharedSecretCiphertextBlob": "The encapsulated shared secret.",
    "Signature": "The signature to verify.",
    "SigningAlgorithm": "The signing algorithm.",
    "SourceEncryptionAlgorithm": "The algorithm the ciphertext was made with.",
    "SourceEncryptionContext": "The encryption context the ciphertext was made with.",
    "SourceKeyId": "The key the ciphertext was made with.",
    "TagKeys": "The tag keys to remove.",
    "Tags": "Tags (TagKey, TagValue).",
    "TargetKeyId": "The key the alias points to: key ID or key ARN.",
    "TrustAnchorCertificate": "The cluster's trust anchor certificate (PEM).",
    "ValidTo": "When the imported key material expires.",
    "WrappingAlgorithm": "How you will wrap the key material.",
    "WrappingKeySpec": "The type of the RSA wrapping key.",
    "XksKeyId": "The ID of the key in the external key manager.",
    "XksProxyAuthenticationCredential": "The SigV4 credential the proxy accepts (AccessKeyId, RawSecretAccessKey).",
    "XksProxyConnectivity": "PUBLIC_ENDPOINT or VPC_ENDPOINT_SERVICE.",
    "XksProxyUriEndpoint": "The proxy's endpoint: https://host (or http://127.0.0.1:PORT locally).",
    "XksProxyUriPath": "The proxy's base path, ending in /kms/xks/v1.",
    "XksProxyVpcEndpointServiceName": "The VPC endpoint service name of the proxy.",
    "XksProxyVpcEndpointServiceOwner": "The account that owns the VPC endpoint service.",
}

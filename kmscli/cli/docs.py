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
}

# How each kind of parameter may be written, appended to every option's help.
FORMS = {
    "string": "A string, or file://PATH to read it from a file.",
    "integer": "An integer.",
    "long": "An integer.",
    "boolean": "A flag; the --no- form sets false.",
    "blob": "Text (its UTF-8 bytes), or fileb://PATH for raw bytes; base64 with --cli-binary-format base64.",
    "timestamp": "ISO 8601 (2030-01-01T00:00:00Z) or epoch seconds.",
    "map": "Shorthand k1=v1,k2=v2 or a JSON object.",
    "structure": "Shorthand k1=v1,k2=v2 or a JSON object.",
    "list<string>": "One or more words, or a JSON list.",
    "list<structure>": "One or more shorthand words (TagKey=a,TagValue=b TagKey=c,TagValue=d) or a JSON list.",
}

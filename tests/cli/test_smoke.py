from __future__ import annotations

import json


def test_create_then_describe_by_alias(invoke):
    created = invoke("create-key", "--description", "smoke")
    assert created.exit_code == 0, created.stderr
    key_id = json.loads(created.stdout)["KeyMetadata"]["KeyId"]
    assert invoke("create-alias", "--alias-name", "alias/smoke", "--target-key-id", key_id).stdout == ""
    described = invoke("describe-key", "--key-id", "alias/smoke")
    assert (described.exit_code, described.stderr) == (0, "")
    assert json.loads(described.stdout) == json.loads(created.stdout)

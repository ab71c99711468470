"""benchmarks/run.py's pure parts: its key specs and baselines, the statistics and the table (no timing)."""

from __future__ import annotations

import argparse
import base64
import importlib.util
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from kmscli.core.keyspecs import KEY_SPECS, SYMMETRIC_MATERIAL_BYTES, UNGENERATABLE

ROOT = Path(__file__).resolve().parents[2]


def _load() -> Any:
    spec = importlib.util.spec_from_file_location("kmscli_benchmark_run", ROOT / "benchmarks" / "run.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


run = _load()


def _public_key_kind(der: bytes) -> tuple[str, int | None, str | None, int]:
    key = serialization.load_der_public_key(der)
    curve = getattr(key, "curve", None)
    return type(key).__name__, getattr(key, "key_size", None), curve.name if curve else None, len(der)


def test_create_key_covers_every_key_spec_kmscli_generates():
    assert sorted(run.KEY_SPECS) == sorted(set(KEY_SPECS) - UNGENERATABLE)


@pytest.mark.parametrize("spec", list(run.KEY_SPECS))
def test_create_key_command_makes_that_key_and_the_baseline_makes_the_same_kind(spec, invoke):
    made = invoke(*run.create_key_args(spec))
    assert (made.exit_code, made.stderr) == (0, "")
    metadata = json.loads(made.stdout)["KeyMetadata"]
    assert (metadata["KeySpec"], metadata["KeyUsage"]) == (spec, run.KEY_SPECS[spec] or "ENCRYPT_DECRYPT")

    namespace: dict[str, Any] = {}
    exec(run.keygen_baseline(spec), namespace)
    if spec in SYMMETRIC_MATERIAL_BYTES:
        assert len(namespace["der"]) == SYMMETRIC_MATERIAL_BYTES[spec]
        return
    public = invoke("get-public-key", "--key-id", metadata["KeyId"])
    assert (public.exit_code, public.stderr) == (0, "")
    kmscli_public = base64.b64decode(json.loads(public.stdout)["PublicKey"])
    baseline_private = serialization.load_der_private_key(namespace["der"], password=None)
    baseline_public = baseline_private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert _public_key_kind(baseline_public) == _public_key_kind(kmscli_public)


def test_create_key_args_name_the_usage_only_where_kms_requires_one():
    assert run.create_key_args("SYMMETRIC_DEFAULT") == ["create-key", "--key-spec", "SYMMETRIC_DEFAULT"]
    assert run.create_key_args("RSA_2048", "SIGN_VERIFY") == [
        "create-key",
        "--key-spec",
        "RSA_2048",
        "--key-usage",
        "SIGN_VERIFY",
    ]


def _samples(*pairs: tuple[float, float]) -> list[Any]:
    return [run.Sample(wall, cpu) for wall, cpu in pairs]


def test_summarize_takes_medians_and_the_pair_by_pair_ratio():
    m = _samples((0.060, 0.050), (0.066, 0.055), (0.072, 0.060), (0.054, 0.045), (0.063, 0.050))
    b = _samples((0.050, 0.050), (0.050, 0.050), (0.060, 0.050), (0.060, 0.050), (0.045, 0.050))
    row = run.summarize("startup", "start-up", "`a`", "`b`", m, b, target="<= 1.3x", note="n")
    # Pair ratios 1.2, 1.32, 1.2, 0.9, 1.4: median 1.2; quartiles by the "exclusive" method.
    assert row == run.Row(
        "startup",
        "start-up",
        "`a`",
        "`b`",
        5,
        pytest.approx(63.0),
        pytest.approx(50.0),
        "ms",
        pytest.approx(1.2),
        pytest.approx(1.05),
        pytest.approx(1.36),
        pytest.approx(1.0),
        "<= 1.3x",
        "n",
    )


def test_summarize_inverse_gives_a_speed_up_and_no_cpu_ratio_without_cpu_times():
    m = _samples((2.0, math.nan), (1.0, math.nan))
    b = _samples((4.0, math.nan), (3.0, math.nan))
    row = run.summarize("g", "f", "m", "b", m, b, unit="req/s", inverse=True)
    assert (row.measured_median, row.baseline_median, row.unit) == (1.5, 3.5, "req/s")
    assert (row.ratio, row.ratio_q1, row.ratio_q3, row.cpu_ratio) == (2.5, 2.0, 3.0, None)


def test_summarize_refuses_unpaired_samples():
    with pytest.raises(ValueError, match=r"^f: 2 measured and 1 baseline samples$"):
        run.summarize("g", "f", "m", "b", _samples((1, 1), (1, 1)), _samples((1, 1)))


@pytest.mark.parametrize(
    ("target", "ratio", "expected"),
    [
        ("<= 1.3x", 1.304, "met"),
        ("<= 1.3x", 1.306, "missed"),
        (">= 1.0x", 0.996, "met"),
        (">= 1.0x", 0.994, "missed"),
        ("linear (~1.0x)", 5.0, ""),
        ("", 1.0, ""),
    ],
)
def test_verdict_judges_the_ratio_as_printed(target, ratio, expected):
    row = run.Row("g", "f", "m", "b", 1, 1.0, 1.0, "ms", ratio, ratio, ratio, None, target, "")
    assert run.verdict(row) == expected


def test_table_prints_one_line_per_row_then_the_footer():
    rows = [
        run.Row(
            "startup", "start-up", "`kmscli describe-key`", "`import click`", 40, 60.24, 50.0, "ms",
            1.2049, 1.161, 1.234, 1.19, "<= 1.3x", "a | b",
        ),
        run.Row(
            "server", "8 clients", "requests/s", "commands/s", 5, 1234.4, 16.2, "req/s",
            34.5, 34.0, 35.0, None, "", "",
        ),
        run.Row(
            "create-key", "RSA_4096", "`kmscli create-key`", "`cryptography`", 60, 912.0, 880.0, "ms",
            1.25, 0.6, 1.9, 1.01, "<= 1.2x", "",
        ),
    ]  # fmt: skip
    assert run.table(rows, ["First.", "Second."]) == (
        "| Group | Figure | Measured | Baseline | n | Measured (median) | Baseline (median) "
        "| Ratio (median, IQR) | CPU ratio | Target | Note |\n"
        "| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |\n"
        "| startup | start-up | `kmscli describe-key` | `import click` | 40 | 60.2 ms | 50.0 ms "
        "| **1.20x** (1.16-1.23) | 1.19x | <= 1.3x (met) | a \\| b |\n"
        "| server | 8 clients | requests/s | commands/s | 5 | 1,234 req/s | 16 req/s "
        "| **34.50x** (34.00-35.00) | - |  |  |\n"
        "| create-key | RSA_4096 | `kmscli create-key` | `cryptography` | 60 | 912 ms | 880 ms "
        "| **1.25x** (0.60-1.90) | 1.01x | <= 1.2x (missed) |  |\n"
        "\n"
        "First.\n"
        "\n"
        "Second.\n"
    )


def test_rows_of_the_scale_and_concurrency_benchmarks_keep_their_unit_and_lose_the_group_prefix():
    scale = importlib.util.spec_from_file_location("kmscli_benchmark_scale", ROOT / "benchmarks" / "scale.py")
    assert scale is not None
    assert scale.loader is not None
    module = importlib.util.module_from_spec(scale)
    scale.loader.exec_module(module)
    figure = module.Figure("scale: list-keys, every key", "m", "b", 5, 21.8, 18.0, 1.21, 0.7, 1.9, 1.17, "t", "µs")
    assert run.from_figure("scale", figure, "note") == run.Row(
        "scale", "list-keys, every key", "m", "b", 5, 21.8, 18.0, "µs", 1.21, 0.7, 1.9, 1.17, "t", "note"
    )


def test_only_takes_group_names_and_runs_them_in_the_suite_order():
    assert run.groups("server, startup,ops") == ["startup", "ops", "server"]
    assert run.parser().parse_args([]).only == list(run.GROUPS)
    assert run.GROUPS == (
        "startup",
        "create-key",
        "ops",
        "scale",
        "console",
        "concurrency",
        "server",
        "team",
        "custom-key-stores",
    )


def test_only_refuses_an_unknown_group(capsys):
    with pytest.raises(SystemExit) as exit_info:
        run.parser().parse_args(["--only", "startup,rsa"])
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.endswith(
        "error: argument --only: unknown group(s) rsa; choose from "
        "('startup', 'create-key', 'ops', 'scale', 'console', 'concurrency', 'server', 'team', 'custom-key-stores')\n"
    )


def test_key_specs_refuses_a_spec_kmscli_does_not_generate():
    with pytest.raises(argparse.ArgumentTypeError, match=r"^unknown key spec\(s\) ML_KEM_512$"):
        run.key_specs("RSA_2048,ML_KEM_512")
    assert run.key_specs("RSA_4096, ECC_NIST_P256") == ["RSA_4096", "ECC_NIST_P256"]


def test_mean_ratio_interval_is_a_repeatable_bootstrap_around_the_ratio_of_means():
    assert run.mean_ratio_interval([2.0] * 10, [1.0] * 10) == (2.0, 2.0)
    m, b = [1.0, 2.0, 3.0, 4.0, 0.5, 1.5], [1.0, 1.0, 2.0, 1.0, 1.0, 0.5]
    low, high = run.mean_ratio_interval(m, b)
    assert 0.5 <= low < sum(m) / sum(b) < high <= 4.0
    assert run.mean_ratio_interval(m, b) == (low, high)


def test_the_authorization_figure_evaluates_every_statement_and_allows(tmp_path):
    """The measured Encrypt must be allowed, by the policies the setup says, after evaluating all of them."""
    from kmscli.core.authorization import Request, decide
    from kmscli.core.policy_document import check_document, parse_policy

    policy, identities = run.authorization_setup()
    check_document(policy, "", kind="resource")
    principal = identities["Principals"][0]
    for i, entry in enumerate(principal["Policies"]):
        check_document(entry["PolicyDocument"], f"/Policies/{i}", kind="identity")
    assert (len(policy["Statement"]), len(principal["Policies"])) == (30, 10)

    from kmscli.core.authorization import caller_for

    caller = caller_for(
        principal["Arn"],
        tags=[("project", "bench")],
        policies=[
            parse_policy(json.dumps(p["PolicyDocument"]), p["PolicyName"], "identity") for p in principal["Policies"]
        ],
    )
    key = "arn:aws:kms:us-west-2:111122223333:key/k"
    context = {"kms:encryptioncontext:app": ("bench",), "kms:encryptioncontextkeys": ("app",)}
    decision = decide(
        Request(caller, "kms:Encrypt", key, "111122223333", context), parse_policy(json.dumps(policy), key, "resource")
    )
    assert decision.decision == "allowed"
    assert [(m.kind, m.sid or m.policy_id) for m in decision.matched] == [
        ("resource", "Enable IAM policies"),
        ("identity", "use-keys"),
    ]


def test_startup_measures_describe_key_with_the_state_dir_set_and_on_the_default_path(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", "/elsewhere")
    monkeypatch.setenv("KMSCLI_SEED", "s")
    assert [(f.name, f.state_dir_set, f.target) for f in run.STARTUP_FIGURES] == [
        ("start-up, state dir set", True, "<= 1.2x"),
        ("start-up, default state path", False, "<= 1.25x"),
    ]
    set_env, default_env = (run.startup_environ(f, tmp_path) for f in run.STARTUP_FIGURES)
    assert (set_env["KMSCLI_STATE_DIR"], set_env["AWS_REGION"]) == (str(tmp_path / "startup"), "us-east-1")
    assert "KMSCLI_SEED" not in set_env
    # The default path: no state directory named, and a HOME of its own so the user's is never touched.
    assert not {"KMSCLI_STATE_DIR", "KMSCLI_SEED", "XDG_STATE_HOME"} & set(default_env)
    assert (default_env["HOME"], default_env["AWS_REGION"]) == (str(tmp_path / "startup-home"), "us-east-1")


def _readme_benchmark_rows() -> list[list[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("\n## Benchmarks\n") :]
    following = section.find("\n## ", 1)
    section = section if following == -1 else section[:following]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    assert rows[0].startswith("| Group | Figure | Measured | Baseline | n |")
    return [[cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]] for line in rows[2:]]


def test_readme_table_shows_both_startup_figures_against_import_click_within_their_targets():
    startup = [row for row in _readme_benchmark_rows() if row[0] == "startup"]
    assert [(row[1], row[3], row[9]) for row in startup] == [
        (f.name, '`python -c "import click"`', f"{f.target} (met)") for f in run.STARTUP_FIGURES
    ]
    for row, figure in zip(startup, run.STARTUP_FIGURES, strict=True):
        assert row[2] == f"`kmscli describe-key`, state: {figure.state}"
        assert re.fullmatch(r"\*\*\d\.\d\dx\*\* \(\d\.\d\d-\d\.\d\d\)", row[7])


def test_readme_table_is_the_one_in_benchmarks_results():
    results = (ROOT / "benchmarks" / "results.md").read_text(encoding="utf-8")
    table_rows = [line for line in results.splitlines() if line.startswith("| ")]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "\n".join(table_rows) in readme


def test_the_console_figure_fills_its_state_with_keys_half_of_them_aliased(tmp_path, monkeypatch):
    """The console group's state: `keys` keys through the session, every other one with an alias."""
    import subprocess
    import sys

    from kmscli.core.console import console_key_table
    from kmscli.core.ports import Access
    from kmscli.session import Session

    monkeypatch.setenv("AWS_REGION", "us-east-1")
    state = tmp_path / "console"
    filled = subprocess.run(
        [sys.executable, "-c", run.FILL_CONSOLE_STATE, str(state), "5"], capture_output=True, text=True, check=False
    )
    assert (filled.returncode, filled.stderr) == (0, "")
    rows = Session(state_dir=state, environ={"AWS_REGION": "us-east-1"}).transact(
        lambda repo, env: console_key_table(repo, env, aws_managed=False),
        access=Access.READS,
        options={},
    )
    assert sorted((r.description, r.aliases) for r in rows) == [
        ("key 0", ("alias/key-00000",)),
        ("key 1", ()),
        ("key 2", ("alias/key-00002",)),
        ("key 3", ()),
        ("key 4", ("alias/key-00004",)),
    ]
    assert filled.stdout == next(r.key_id for r in rows if r.description == "key 2") + "\n"

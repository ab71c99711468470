"""A Region typo must not make keys vanish: a warning names the closest AWS Region."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from click.testing import CliRunner

from kmscli.cli import cli
from kmscli.regions import PARTITIONS, REGIONS
from kmscli.session import Session

ROOT = Path(__file__).resolve().parents[2]


def _generator():
    spec = importlib.util.spec_from_file_location("gen_regions", ROOT / "scripts" / "gen_regions.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_region_list_is_botocores():
    gen = _generator()
    assert (ROOT / "kmscli" / "regions.py").read_text(encoding="utf-8") == gen.source()
    from botocore.session import get_session

    session = get_session()
    for partition in ("aws", "aws-cn", "aws-us-gov"):
        assert set(PARTITIONS[partition]) >= set(session.get_available_regions("kms", partition_name=partition))
    assert {"us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1"} <= REGIONS


def _run(tmp_path: Path, *args: str, **environ: str):
    session = Session(environ={"HOME": str(tmp_path / "home"), **environ}, state_dir=tmp_path / "state")
    return CliRunner().invoke(cli, list(args), obj=session)


WARNING = (
    "kmscli: warning: {region} is not an AWS Region, so its keys are not those of any other Region; "
    "did you mean {closest}? (KMSCLI_ALLOW_UNKNOWN_REGIONS=1 silences this)\n"
)


@pytest.mark.parametrize(
    ("args", "environ", "region", "closest"),
    [
        pytest.param(["--region", "us-eats-1", "list-keys"], {}, "us-eats-1", "us-east-1", id="option-before"),
        pytest.param(["list-keys", "--region", "eu-wset-1"], {}, "eu-wset-1", "eu-west-1", id="option-after"),
        pytest.param(["list-keys"], {"AWS_REGION": "ap-souhteast-2"}, "ap-souhteast-2", "ap-southeast-2", id="env"),
    ],
)
def test_unknown_region_warns_once_and_still_runs(tmp_path, args, environ, region, closest):
    result = _run(tmp_path, *args, **environ)
    assert (result.exit_code, result.stdout) == (0, '{\n    "Keys": []\n}\n')
    assert result.stderr == WARNING.format(region=region, closest=closest)


def test_create_key_in_an_unknown_region_warns_and_creates_it_there(tmp_path):
    made = _run(tmp_path, "create-key", "--region", "us-eats-1", "--query", "KeyMetadata.Arn", "--output", "text")
    assert made.exit_code == 0
    assert made.stdout.startswith("arn:aws:kms:us-eats-1:111122223333:key/")
    assert made.stderr == WARNING.format(region="us-eats-1", closest="us-east-1")
    listed = _run(tmp_path, "list-keys", "--region", "us-east-1", "--query", "length(Keys)")
    assert (listed.exit_code, listed.stdout, listed.stderr) == (0, "0\n", "")


@pytest.mark.parametrize("value", ["1", "true"])
def test_allowing_unknown_regions_silences_the_warning(tmp_path, value):
    result = _run(tmp_path, "--region", "us-eats-1", "list-keys", KMSCLI_ALLOW_UNKNOWN_REGIONS=value)
    assert (result.exit_code, result.stdout, result.stderr) == (0, '{\n    "Keys": []\n}\n', "")


@pytest.mark.parametrize("region", ["us-east-1", "eu-central-2", "cn-north-1", "us-gov-west-1"])
def test_known_regions_say_nothing(tmp_path, region):
    result = _run(tmp_path, "--region", region, "list-keys")
    assert (result.exit_code, result.stderr) == (0, "")


def test_console_warns_too(tmp_path):
    result = _run(
        tmp_path, "console", "create-key", "--alias-name", "a", "--region", "us-wset-2", "--query", "AliasName"
    )
    assert (result.exit_code, result.stdout) == (0, '"alias/a"\n')
    assert result.stderr == WARNING.format(region="us-wset-2", closest="us-west-2")


def test_a_malformed_region_is_still_an_error(tmp_path):
    result = _run(tmp_path, "--region", "Moon", "list-keys")
    assert (result.exit_code, result.stdout) == (255, "")
    assert result.stderr == "\nInvalid region 'Moon': a region looks like us-west-2\n"

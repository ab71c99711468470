"""The real AWS CLI v1 (the `awscli` package) as a test oracle, run in a child interpreter.

Tests hand it the same document (or argument) they hand kmscli and compare the answers byte for
byte: its own output formatters (awscli.formatter with an argparse-like args object) and its own
argument processing (param files, shorthand, JSON; awscli.paramfile and awscli.argprocess).

Why a child process: importing awscli installs an import hook that makes `import botocore`
resolve to awscli's vendored botocore (an older KMS model) and rewrites AWS_DATA_PATH, for the
rest of the process. Other tests compare kmscli with the installed botocore, so awscli stays out
of the test process. The child runs with TZ=UTC, as the recorded transcripts did.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from importlib.util import find_spec
from typing import Any


def available() -> bool:
    return find_spec("awscli") is not None


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return {"__bytes__": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__bytes__"}:
            return base64.b64decode(value["__bytes__"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


class AwsCli:
    """A running oracle; one request per line of JSON each way."""

    def __init__(self) -> None:
        env = {**os.environ, "TZ": "UTC", "PYTHONIOENCODING": "utf-8"}
        self._child = subprocess.Popen(
            [sys.executable, __file__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
            encoding="utf-8",
        )

    def _ask(self, **request: Any) -> Any:
        assert self._child.stdin is not None
        assert self._child.stdout is not None
        self._child.stdin.write(json.dumps(_encode(request)) + "\n")
        self._child.stdin.flush()
        line = self._child.stdout.readline()
        if not line:
            raise RuntimeError("the awscli oracle died")
        answer = json.loads(line)
        if "crash" in answer:
            raise RuntimeError(answer["crash"])
        return _decode(answer["result"])

    def format(
        self, output: str, document: Any, *, title: str = "DescribeKey", query: str | None = None, color: str = "off"
    ) -> str:
        """What `aws kms <title> --output <output> [--query ...]` prints for this response."""
        kind, text = self.format_outcome(output, document, title=title, query=query, color=color)
        if kind != "output":
            raise RuntimeError(f"the AWS CLI's formatter failed: {text}")
        return text

    def format_outcome(
        self, output: str, document: Any, *, title: str = "DescribeKey", query: str | None = None, color: str = "off"
    ) -> tuple[str, str]:
        """("output", what is printed) or ("error", the message the AWS CLI prints, exit 255)."""
        kind, text = self._ask(op="format", output=output, document=document, title=title, query=query, color=color)
        return kind, text

    def convert(self, option: str, shape: str, value: str | list[str]) -> tuple[str, Any]:
        """("ok", parsed value) or ("error", message) for `--<option> <value>` of that shape.

        Normalised as kmscli hands values to its core: a top-level blob given as text is its UTF-8
        bytes; a timestamp that botocore can parse is whole epoch seconds.
        """
        kind, value = self._ask(op="convert", option=option, shape=shape, value=value)
        return kind, value

    def iso8601(self, epoch: float) -> str:
        """`cli_timestamp_format = iso8601` applied to a wire timestamp."""
        return str(self._ask(op="iso8601", value=epoch))

    def close(self) -> None:
        for pipe in (self._child.stdin, self._child.stdout):
            if pipe is not None:
                pipe.close()
        self._child.wait(timeout=30)


# ---------------------------------------------------------------- the child


def _serve() -> None:  # pragma: no cover - runs in the child interpreter
    import io
    import traceback
    from types import SimpleNamespace

    channel = sys.stdout
    # colorama (imported by awscli.table) wraps whatever sys.stdout is when colour is turned on;
    # coloured tables are captured from this stand-in.
    sys.stdout = io.StringIO()

    import calendar

    import colorama
    import jmespath
    from awscli.argprocess import ParamShorthandParser, unpack_cli_arg
    from awscli.customizations.scalarparse import iso_format
    from awscli.formatter import get_formatter
    from awscli.paramfile import LOCAL_PREFIX_MAP, URIArgumentHandler
    from botocore.session import get_session  # awscli's vendored botocore, via awscli's import hook
    from botocore.utils import parse_to_aware_datetime

    model = get_session().get_service_model("kms")

    def format_(request: dict[str, Any]) -> list[str]:
        query = jmespath.compile(request["query"]) if request["query"] else None
        args = SimpleNamespace(output=request["output"], query=query, color=request["color"])
        document = request["document"]
        try:
            if request["color"] == "on":
                sys.stdout = capture = io.StringIO()
                try:
                    formatter = get_formatter(request["output"], args)  # turns colorama on
                    formatter(request["title"], document)  # writes to the wrapped sys.stdout
                finally:
                    colorama.deinit()
                    sys.stdout = io.StringIO()
            else:
                capture = io.StringIO()
                get_formatter(request["output"], args)(request["title"], document, capture)
        except Exception as e:
            return ["error", str(e)]
        return ["output", capture.getvalue()]

    def convert(request: dict[str, Any]) -> Any:
        shape = model.shape_for(request["shape"])
        option = request["option"]
        argument = SimpleNamespace(
            argument_model=shape, cli_name=option, name=option[2:], py_name=option[2:].replace("-", "_")
        )
        value = request["value"]
        try:
            loaded = URIArgumentHandler(LOCAL_PREFIX_MAP)(f"load-cli-arg.kms.op.{option[2:]}", argument, value)
            if loaded is not None:
                value = loaded
            parsed = ParamShorthandParser()(argument, value, f"process-cli-arg.kms.op.{option[2:]}")
            if parsed is None:
                parsed = unpack_cli_arg(argument, value)
        except Exception as e:
            return ["error", str(e)]
        if shape.type_name == "blob" and isinstance(parsed, str):
            parsed = parsed.encode("utf-8")
        if shape.type_name == "timestamp":
            try:
                parsed = int(calendar.timegm(parse_to_aware_datetime(parsed).timetuple()))
            except (TypeError, ValueError, AttributeError):
                pass  # botocore's validator reports it: "Invalid type for parameter ..."
            except Exception as e:
                return ["error", str(e)]
        return ["ok", parsed]

    handlers = {"format": format_, "convert": convert, "iso8601": lambda r: iso_format(r["value"])}
    for line in sys.stdin:
        request = _decode(json.loads(line))
        try:
            answer: dict[str, Any] = {"result": _encode(handlers[request["op"]](request))}
        except Exception:
            answer = {"crash": traceback.format_exc()}
        channel.write(json.dumps(answer) + "\n")
        channel.flush()


if __name__ == "__main__":
    _serve()

"""Every condition operator, the set qualifiers, IfExists, Null and policy variables."""

from __future__ import annotations

import pytest

from kmscli.core.policy_conditions import condition_holds, expand, parse_operator

V = "2012-10-17"


def holds(op: str, key: str, values: list[str], context: dict[str, tuple[str, ...]]) -> bool:
    return condition_holds(op, key, tuple(values), context, V)


ONE = {"k:s": ("Value",)}
NONE: dict[str, tuple[str, ...]] = {}


@pytest.mark.parametrize(
    ("op", "values", "context", "expected"),
    [
        ("StringEquals", ["Value"], ONE, True),
        ("StringEquals", ["value"], ONE, False),
        ("StringEquals", ["x", "Value"], ONE, True),
        ("StringEquals", ["Value"], NONE, False),
        ("StringNotEquals", ["Value"], ONE, False),
        ("StringNotEquals", ["x"], ONE, True),
        ("StringNotEquals", ["x"], NONE, True),
        ("StringEqualsIgnoreCase", ["VALUE"], ONE, True),
        ("StringNotEqualsIgnoreCase", ["VALUE"], ONE, False),
        ("StringLike", ["Va*"], ONE, True),
        ("StringLike", ["V?lue"], ONE, True),
        ("StringLike", ["va*"], ONE, False),
        ("StringNotLike", ["Va*"], ONE, False),
        ("StringEqualsIfExists", ["x"], NONE, True),
        ("StringEqualsIfExists", ["x"], ONE, False),
        ("StringNotLikeIfExists", ["Va*"], ONE, False),
        ("NumericEquals", ["30"], {"k:s": ("30",)}, True),
        ("NumericEquals", ["30"], {"k:s": ("30.0",)}, True),
        ("NumericNotEquals", ["30"], {"k:s": ("7",)}, True),
        ("NumericLessThan", ["30"], {"k:s": ("7",)}, True),
        ("NumericLessThanEquals", ["7"], {"k:s": ("7",)}, True),
        ("NumericGreaterThan", ["30"], {"k:s": ("7",)}, False),
        ("NumericGreaterThanEquals", ["7"], {"k:s": ("7",)}, True),
        ("NumericEquals", ["30"], {"k:s": ("thirty",)}, False),
        ("DateLessThan", ["2030-01-01T00:00:00Z"], {"k:s": ("2026-12-07T18:00:00Z",)}, True),
        ("DateGreaterThan", ["2030-01-01"], {"k:s": ("2026-12-07T18:00:00Z",)}, False),
        ("DateEquals", ["1893456000"], {"k:s": ("2030-01-01T00:00:00Z",)}, True),
        ("DateNotEquals", ["2030-01-01"], {"k:s": ("2030-01-01T00:00:00Z",)}, False),
        ("DateLessThanEquals", ["2030-01-01"], {"k:s": ("1893456000",)}, True),
        ("DateGreaterThanEquals", ["2030-01-01"], {"k:s": ("1893456001",)}, True),
        ("Bool", ["true"], {"k:s": ("true",)}, True),
        ("Bool", ["TRUE"], {"k:s": ("true",)}, True),
        ("Bool", ["false"], {"k:s": ("true",)}, False),
        ("BoolIfExists", ["false"], NONE, True),
        ("BinaryEquals", ["QmluYXJ5"], {"k:s": ("QmluYXJ5",)}, True),
        ("IpAddress", ["203.0.113.0/24"], {"k:s": ("203.0.113.7",)}, True),
        ("IpAddress", ["203.0.113.0/24"], {"k:s": ("198.51.100.7",)}, False),
        ("IpAddress", ["2001:db8::/32"], {"k:s": ("2001:db8::1",)}, True),
        ("NotIpAddress", ["203.0.113.0/24"], {"k:s": ("198.51.100.7",)}, True),
        ("NotIpAddress", ["203.0.113.0/24"], NONE, True),
        ("ArnEquals", ["arn:aws:iam::111122223333:role/App"], {"k:s": ("arn:aws:iam::111122223333:role/App",)}, True),
        ("ArnLike", ["arn:aws:iam::*:role/App*"], {"k:s": ("arn:aws:iam::111122223333:role/AppX",)}, True),
        ("ArnLike", ["arn:aws:iam::*:role/*"], {"k:s": ("arn:aws:iam::111122223333:user/x",)}, False),
        ("ArnLike", ["arn:aws:*"], {"k:s": ("arn:aws:iam::111122223333:user/x",)}, False),
        ("ArnNotLike", ["arn:aws:iam::*:role/*"], {"k:s": ("arn:aws:iam::111122223333:user/x",)}, True),
        ("ArnNotEquals", ["arn:aws:iam::111122223333:root"], {"k:s": ("arn:aws:iam::111122223333:root",)}, False),
        ("Null", ["true"], NONE, True),
        ("Null", ["true"], ONE, False),
        ("Null", ["false"], ONE, True),
        ("Null", ["false"], NONE, False),
    ],
)
def test_single_valued(op: str, values: list[str], context: dict[str, tuple[str, ...]], expected: bool) -> None:
    assert holds(op, "k:s", values, context) is expected


MANY = {"k:m": ("a", "b")}


@pytest.mark.parametrize(
    ("op", "values", "context", "expected"),
    [
        ("ForAnyValue:StringEquals", ["b", "z"], MANY, True),
        ("ForAnyValue:StringEquals", ["z"], MANY, False),
        ("ForAnyValue:StringEquals", ["z"], NONE, False),
        ("ForAllValues:StringEquals", ["a", "b", "c"], MANY, True),
        ("ForAllValues:StringEquals", ["a"], MANY, False),
        ("ForAllValues:StringEquals", ["a"], NONE, True),
        ("ForAnyValue:StringNotEquals", ["a"], MANY, True),
        ("ForAnyValue:StringNotEquals", ["a", "b"], MANY, False),
        ("ForAllValues:StringNotEquals", ["z"], MANY, True),
        ("ForAllValues:StringNotEquals", ["a"], MANY, False),
        ("ForAllValues:StringLike", ["*"], MANY, True),
        ("ForAnyValue:StringLikeIfExists", ["z"], NONE, False),
        # Without a qualifier, a multivalued key matches when any of its values does.
        ("StringEquals", ["b"], MANY, True),
        ("StringNotEquals", ["b"], MANY, False),
    ],
)
def test_multivalued(op: str, values: list[str], context: dict[str, tuple[str, ...]], expected: bool) -> None:
    assert holds(op, "k:m", values, context) is expected


def test_key_names_are_case_insensitive() -> None:
    assert holds("StringEquals", "KMS:CallerAccount", ["111122223333"], {"kms:calleraccount": ("111122223333",)})


@pytest.mark.parametrize(
    "op",
    ["StringSort", "ForSomeValues:StringEquals", "NullIfExists", "ForAnyValue:Null", "IfExists", "stringequals"],
)
def test_unknown_operators_never_hold(op: str) -> None:
    assert parse_operator(op) is None
    assert holds(op, "k:s", ["Value"], ONE) is False


@pytest.mark.parametrize(
    ("value", "context", "expected"),
    [
        ("${aws:username}", {"aws:username": ("alice",)}, "alice"),
        ("team-${aws:PrincipalTag/team}-*", {"aws:principaltag/team": ("payments",)}, "team-payments-*"),
        ("${aws:username}", {}, None),
        ("${aws:username, 'nobody'}", {}, "nobody"),
        ("${*}${?}${$}", {}, "*?$"),
        ("plain", {}, "plain"),
    ],
)
def test_policy_variables(value: str, context: dict[str, tuple[str, ...]], expected: str | None) -> None:
    assert expand(value, context, V) == expected


def test_a_condition_value_with_an_unresolved_variable_matches_nothing() -> None:
    assert not holds("StringEquals", "k:s", ["${aws:username}"], ONE)
    assert holds("StringEquals", "k:s", ["${aws:username}"], {**ONE, "aws:username": ("Value",)})


def test_the_current_time_is_printed_as_iso_8601_utc() -> None:
    from datetime import UTC, datetime

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from kmscli.core.access import iso8601

    @settings(max_examples=500, derandomize=True)
    @given(st.floats(min_value=-2e9, max_value=7e9))
    def check(epoch: float) -> None:
        assert iso8601(epoch) == datetime.fromtimestamp(int(epoch // 1), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    check()
    assert iso8601(1502910355.475) == "2017-08-16T19:05:55Z"


def test_dates_parse_as_datetime_parses_them() -> None:
    from datetime import UTC, datetime, timedelta

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from kmscli.core.policy_conditions import parse_date

    @settings(max_examples=500, derandomize=True)
    @given(
        st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 30)),
        st.sampled_from(["Z", "+02:00", "-0530", ""]),
        st.booleans(),
    )
    def check(moment: datetime, zone: str, date_only: bool) -> None:
        moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
        if date_only:
            text = moment.strftime("%Y-%m-%d")
            expected = datetime(moment.year, moment.month, moment.day, tzinfo=UTC).timestamp()
        else:
            text = moment.isoformat(timespec="milliseconds") + zone
            offset = {"Z": 0, "": 0, "+02:00": 120, "-0530": -330}[zone]
            expected = (moment.replace(tzinfo=UTC) - timedelta(minutes=offset)).timestamp()
        assert parse_date(text) == pytest.approx(expected, abs=1e-6)

    check()
    assert [parse_date(t) for t in ("2023-02-29", "2024-02-29", "2024-13-01", "soon", "1700000000")] == [
        None,
        1709164800.0,
        None,
        None,
        1700000000.0,
    ]

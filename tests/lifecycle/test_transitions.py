"""The time-driven transitions as pure functions: a key and the time in, the key as it now stands out."""

from __future__ import annotations

import pytest

from kmscli.core import transitions
from kmscli.core.model import DAY, Key, KeyManager, KeyMaterial, KeyState, KeyUsage, Origin

NOW = 1502910355.475
KEY_ID = "mrk-1234abcd12ab34cd56ef1234567890ab"


def key(**fields: object) -> Key:
    base = Key(
        key_id=KEY_ID,
        arn=f"arn:aws:kms:us-west-2:111122223333:key/{KEY_ID}",
        account_id="111122223333",
        region="us-west-2",
        creation_date=NOW - 400 * DAY,
        description="",
        key_spec="SYMMETRIC_DEFAULT",
        key_usage=KeyUsage.ENCRYPT_DECRYPT,
        origin=Origin.AWS_KMS,
        key_state=KeyState.Enabled,
        policy="{}",
        materials=(KeyMaterial("m0", b"\1" * 32, NOW - 400 * DAY),),
    )
    return base._replace(**fields)  # type: ignore[arg-type]


def imported(material_id: str, valid_to: float | None) -> KeyMaterial:
    model = "KEY_MATERIAL_EXPIRES" if valid_to is not None else "KEY_MATERIAL_DOES_NOT_EXPIRE"
    return KeyMaterial(material_id, b"\2" * 32, NOW - DAY, expiration_model=model, valid_to=valid_to)


class FakeEnv:
    """Only the randomness a rotation draws its new material from."""

    def __init__(self) -> None:
        self.drawn = 0

    def random_bytes(self, n: int) -> bytes:
        self.drawn += 1
        return bytes([self.drawn]) * n


# ---------------------------------------------------------------- nothing due: the very same key


@pytest.mark.parametrize(
    "k",
    [
        pytest.param(key(), id="plain"),
        pytest.param(
            key(rotation_enabled=True, rotation_period_in_days=90, next_rotation_date=NOW + 1), id="rotation-later"
        ),
        pytest.param(key(origin=Origin.EXTERNAL, materials=(imported("i", NOW + 1),)), id="material-valid"),
        pytest.param(key(key_state=KeyState.PendingDeletion, deletion_date=NOW + 1), id="deletion-later"),
        pytest.param(key(key_state=KeyState.Creating, multi_region=False), id="creating-single-region"),
    ],
)
def test_nothing_due_returns_the_same_key(k: Key) -> None:
    env = FakeEnv()
    assert transitions.expire_material(k, NOW) is k
    assert transitions.rotate(k, NOW, env) is k  # type: ignore[arg-type]
    assert transitions.end_creating(k) is k
    assert transitions.deletion_due(k, NOW) is False
    assert env.drawn == 0


# ---------------------------------------------------------------- 1. imported material past ValidTo


def test_expired_material_is_forgotten_and_the_key_waits_for_an_import() -> None:
    k = key(origin=Origin.EXTERNAL, materials=(imported("i", NOW),), pending_material=imported("p", NOW + DAY))
    after = transitions.expire_material(k, NOW)
    assert after.materials == (KeyMaterial("i", b"", NOW - DAY, deleted=True),)
    assert (after.key_state, after.pending_material) == (KeyState.PendingImport, imported("p", NOW + DAY))


def test_expired_pending_material_is_dropped_and_the_state_stays() -> None:
    k = key(origin=Origin.EXTERNAL, materials=(imported("i", None),), pending_material=imported("p", NOW - 1))
    after = transitions.expire_material(k, NOW)
    assert (after.materials, after.pending_material, after.key_state) == (k.materials, None, KeyState.Enabled)


def test_a_key_pending_deletion_stays_so_when_its_material_expires() -> None:
    k = key(origin=Origin.EXTERNAL, materials=(imported("i", NOW - 1),), key_state=KeyState.PendingDeletion)
    assert transitions.expire_material(k, NOW).key_state == KeyState.PendingDeletion


# ---------------------------------------------------------------- 2. automatic rotations


@pytest.mark.parametrize(
    ("fields", "due"),
    [
        pytest.param({}, True, id="enabled-and-due"),
        pytest.param({"next_rotation_date": NOW + 0.001}, False, id="a-millisecond-early"),
        pytest.param({"rotation_enabled": False}, False, id="rotation-off"),
        pytest.param({"key_state": KeyState.Disabled}, False, id="disabled"),
        pytest.param({"key_state": KeyState.PendingDeletion}, False, id="pending-deletion"),
        pytest.param({"next_rotation_date": None}, False, id="no-date"),
    ],
)
def test_when_a_rotation_is_due(fields: dict[str, object], due: bool) -> None:
    k = key(**{"rotation_enabled": True, "rotation_period_in_days": 90, "next_rotation_date": NOW, **fields})
    assert transitions.rotation_due(k, NOW) is due


def test_every_rotation_due_is_performed_dated_when_it_was_due() -> None:
    first = NOW - 100 * DAY
    k = key(rotation_enabled=True, rotation_period_in_days=90, next_rotation_date=first)
    after = transitions.rotate(k, NOW, FakeEnv())  # type: ignore[arg-type]
    assert [(m.rotation_date, m.rotation_type, m.secret) for m in after.materials[1:]] == [
        (first, "AUTOMATIC", b"\2" * 32),
        (first + 90 * DAY, "AUTOMATIC", b"\4" * 32),
    ]
    assert after.materials[1].material_id == (b"\1" * 32).hex()
    assert after.next_rotation_date == first + 180 * DAY
    assert after.materials[0] == k.materials[0]


# ---------------------------------------------------------------- 3, 4. deletion window, Creating


@pytest.mark.parametrize(
    ("state", "date", "due"),
    [
        (KeyState.PendingDeletion, NOW, True),
        (KeyState.PendingDeletion, NOW + 0.001, False),
        (KeyState.PendingReplicaDeletion, NOW - DAY, False),
        (KeyState.Enabled, NOW - DAY, False),
    ],
)
def test_the_end_of_a_deletion_window(state: KeyState, date: float, due: bool) -> None:
    assert transitions.deletion_due(key(key_state=state, deletion_date=date), NOW) is due


@pytest.mark.parametrize(
    ("materials", "state"),
    [
        pytest.param((KeyMaterial("m", b"\1" * 32, NOW),), KeyState.Enabled, id="with-material"),
        pytest.param((), KeyState.PendingImport, id="imported-material-still-to-come"),
    ],
)
def test_a_new_replica_leaves_creating(materials: tuple[KeyMaterial, ...], state: KeyState) -> None:
    k = key(key_state=KeyState.Creating, multi_region=True, materials=materials)
    assert transitions.end_creating(k).key_state == state


# ---------------------------------------------------------------- multi-Region sets


def test_a_replica_takes_its_primarys_material_and_rotation_settings() -> None:
    primary = key(multi_region=True, rotation_enabled=True, rotation_period_in_days=90, next_rotation_date=NOW)
    primary = primary._replace(materials=(*primary.materials, KeyMaterial("m1", b"\3" * 32, NOW)))
    replica = key(multi_region=True, region="eu-west-1", primary_region="us-west-2")
    after = transitions.in_step_with_primary(replica, primary)
    assert after == replica._replace(
        materials=primary.materials, rotation_enabled=True, rotation_period_in_days=90, next_rotation_date=NOW
    )
    assert transitions.in_step_with_primary(after, primary) is after
    external = replica._replace(origin=Origin.EXTERNAL)
    assert transitions.in_step_with_primary(external, primary) is external


def test_a_destroyed_replica_leaves_the_set_and_the_last_one_starts_the_primarys_window() -> None:
    primary = key(
        multi_region=True,
        primary_region="us-west-2",
        replica_regions=("eu-west-1", "ap-south-1"),
        key_state=KeyState.PendingReplicaDeletion,
        pending_deletion_window_in_days=7,
    )
    gone = key(multi_region=True, region="eu-west-1", key_state=KeyState.PendingDeletion, deletion_date=NOW)
    after = transitions.without_member(primary, gone)
    assert (after.replica_regions, after.key_state) == (("ap-south-1",), KeyState.PendingReplicaDeletion)
    last = transitions.without_member(after, gone._replace(region="ap-south-1"))
    assert (last.replica_regions, last.key_state, last.deletion_date) == ((), KeyState.PendingDeletion, NOW + 7 * DAY)


@pytest.mark.parametrize(
    ("fields", "primary", "replica"),
    [
        pytest.param({"multi_region": False}, False, False, id="single-region"),
        pytest.param({"multi_region": True, "primary_region": None}, True, False, id="primary-by-default"),
        pytest.param({"multi_region": True, "primary_region": "us-west-2"}, True, False, id="primary"),
        pytest.param({"multi_region": True, "primary_region": "eu-west-1"}, False, True, id="replica"),
    ],
)
def test_primary_or_replica(fields: dict[str, object], primary: bool, replica: bool) -> None:
    k = key(**fields)
    assert (k.is_primary, k.is_replica) == (primary, replica)


# ---------------------------------------------------------------- what a listing may show from a summary

ROTATING = {"rotation_enabled": True, "rotation_period_in_days": 90}
NOTHING_DUE_CASES = {
    "plain": (key(), True),
    "aws-managed": (key(key_manager=KeyManager.AWS, **ROTATING, next_rotation_date=NOW + 1), True),
    "rotation-later": (key(**ROTATING, next_rotation_date=NOW + 0.001), True),
    "rotation-now": (key(**ROTATING, next_rotation_date=NOW), False),
    "rotation-past": (key(**ROTATING, next_rotation_date=NOW - 400 * DAY), False),
    "rotation-past-disabled": (key(**ROTATING, next_rotation_date=NOW - DAY, key_state=KeyState.Disabled), True),
    "deletion-later": (key(key_state=KeyState.PendingDeletion, deletion_date=NOW + 0.001), True),
    "deletion-now": (key(key_state=KeyState.PendingDeletion, deletion_date=NOW), False),
    "deletion-past": (key(key_state=KeyState.PendingDeletion, deletion_date=NOW - DAY), False),
    "creating-single-region": (key(key_state=KeyState.Creating), True),
    # Never vouched for from a summary, due or not: the keyring reads them whole.
    "imported-valid": (key(origin=Origin.EXTERNAL, materials=(imported("i", NOW + DAY),)), False),
    "imported-expired": (key(origin=Origin.EXTERNAL, materials=(imported("i", NOW),)), False),
    "multi-region-primary": (key(multi_region=True, primary_region="us-west-2"), False),
    "multi-region-replica-creating": (
        key(multi_region=True, primary_region="us-east-1", key_state=KeyState.Creating),
        False,
    ),
}


@pytest.mark.parametrize(("k", "vouched"), NOTHING_DUE_CASES.values(), ids=NOTHING_DUE_CASES.keys())
def test_nothing_due_from_a_summary_is_exactly_what_the_keyring_leaves_alone(k: Key, vouched: bool) -> None:
    """A key it vouches for comes out of the keyring as the very key written; any other key it
    can decide is one the keyring changes (so a listing reads whole only what it must)."""
    from kmscli.core.keyring import live_key
    from kmscli.core.memory import InMemoryRepository
    from kmscli.core.ports import UpgradeNeeded
    from kmscli.core.summaries import summary_of

    assert transitions.nothing_due(summary_of(k), NOW) is vouched
    assert transitions.nothing_due(k, NOW) is vouched
    world: dict = {}
    InMemoryRepository(k.account_id, k.region, world).put_key(k)
    reading = InMemoryRepository(k.account_id, k.region, world, writable=False)
    env = FakeEnv()
    env.now = lambda: NOW  # type: ignore[attr-defined]
    if vouched:
        assert live_key(reading, env, k.key_id) is k  # type: ignore[arg-type]
        assert env.drawn == 0
    elif k.origin != Origin.EXTERNAL and not k.multi_region:
        with pytest.raises(UpgradeNeeded):
            live_key(reading, env, k.key_id)  # type: ignore[arg-type]

"""The audit log's hash chains: sealing, verifying after tampering by hand, retention, exported heads."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.audit.chain import chain_heads, purge_expired, seal_pending, verify
from core.audit.log import record
from core.db.types import utcnow
from tests.support.people import add_school
from tests.support.snapshot import execute, fetch


async def write(platform, school_id, count, action="core.login", **kwargs):
    async with platform.db.writing() as session:
        for n in range(count):
            record(session, action, school_id=school_id, details={"n": n}, **kwargs)


async def seal(platform):
    async with platform.db.writing() as session:
        return await seal_pending(session)


async def check(platform, heads=None, now=None):
    async with platform.db.reading() as session:
        return await verify(session, heads, now)


async def by_hand(url, sql):
    """What someone with the database's password could do: switch the triggers off and write."""
    if url.startswith("postgresql"):
        await execute(url, "ALTER TABLE audit_record DISABLE TRIGGER USER")
        await execute(url, sql)
        await execute(url, "ALTER TABLE audit_record ENABLE TRIGGER USER")
    else:
        await execute(url, "DROP TRIGGER IF EXISTS audit_record_no_update")
        await execute(url, "DROP TRIGGER IF EXISTS audit_record_no_delete")
        await execute(url, sql)


@pytest.fixture
async def sealed(make_platform, database_url):
    """Two schools' records and some of no school, sealed in two rounds."""
    platform = make_platform()
    first, second = await add_school(database_url, "Первая"), await add_school(database_url, "Вторая")
    await write(platform, first, 3)
    await write(platform, None, 2, "core.login_failed", result="failed")
    assert sorted((s.school_id or 0, s.records) for s in await seal(platform)) == [(0, 2), (first, 3)]
    await write(platform, second, 2)
    await write(platform, first, 2)
    assert len(await seal(platform)) == 2
    assert await seal(platform) == []  # nothing new: no empty batches
    return platform, first, second


async def test_a_sealed_log_verifies_and_new_records_wait_for_the_next_round(sealed):
    platform, first, _second = sealed
    await write(platform, first, 1)
    report = await check(platform)
    assert report.intact and (report.schools, report.batches, report.records, report.unsealed) == (3, 4, 9, 1)


@pytest.mark.parametrize("tampering", [
    "UPDATE audit_record SET details = '{\"n\": 7}' WHERE id = 2",
    "UPDATE audit_record SET result = 'ok' WHERE id = 4",
    "DELETE FROM audit_record WHERE id = 1",
    "DELETE FROM audit_record WHERE id = 9",  # the end of the first school's chain cut off
], ids=["changed", "failure-made-success", "removed", "truncated"])
async def test_a_record_changed_or_removed_by_hand_breaks_the_chain(sealed, database_url, tampering):
    platform, _first, _second = sealed
    await by_hand(database_url, tampering)
    report = await check(platform)
    assert not report.intact and len(report.problems) == 1
    assert "batch" in report.problems[0]


async def test_a_record_slipped_in_below_the_seal_is_found(sealed, database_url):
    """Records 1–3 and 8–9 are the first school's, 4–5 of no school, 6–7 the second's."""
    platform, first, second = sealed
    await by_hand(database_url, "DELETE FROM audit_record WHERE id = 8")
    await execute(database_url, "INSERT INTO audit_record (id, at, action, result, school_id) "
                                f"SELECT 8, at, 'core.role_granted', 'ok', {second} FROM audit_record WHERE id = 7")
    problems = (await check(platform)).problems
    assert len(problems) == 2 and any("added outside" in p for p in problems) and any("removed or added" in p for p in problems)


async def test_the_end_of_a_chain_removed_with_its_seal_is_caught_by_an_exported_head(sealed, database_url):
    platform, first, _second = sealed
    async with platform.db.reading() as session:
        heads = await chain_heads(session)
    assert len(heads) == 3 and all(len(h["head"]) == 64 for h in heads)
    last = max(h["batch"] for h in heads if h["school_id"] == first)
    last_record = next(h["last_record"] for h in heads if h["batch"] == last)
    await by_hand(database_url, f"DELETE FROM audit_record WHERE school_id = {first} AND id > 5")
    if database_url.startswith("postgresql"):
        await execute(database_url, "ALTER TABLE audit_seal DISABLE TRIGGER USER")
        await execute(database_url, f"DELETE FROM audit_seal WHERE id = {last}")
        await execute(database_url, "ALTER TABLE audit_seal ENABLE TRIGGER USER")  # the next test shares the database
    else:
        await execute(database_url, "DROP TRIGGER audit_seal_no_delete")
        await execute(database_url, f"DELETE FROM audit_seal WHERE id = {last}")
    assert last_record == 9
    assert (await check(platform)).intact  # the end cut off with its seal looks whole from inside ...
    report = await check(platform, heads)
    assert not report.intact and any("exported head" in problem for problem in report.problems)  # ... but not against the head


async def test_the_database_refuses_changes_to_records_seals_and_purges(sealed, database_url):
    for statement in ("UPDATE audit_record SET action = 'x'", "DELETE FROM audit_record",
                      "UPDATE audit_seal SET head = 'x'", "DELETE FROM audit_seal"):
        with pytest.raises(Exception, match="append-only"):
            await execute(database_url, statement)


async def test_retention_removes_whole_old_batches_and_the_chain_still_verifies(sealed, database_url):
    platform, first, second = sealed
    now = utcnow()
    async with platform.db.writing() as session:
        assert await purge_expired(session, now) == 0  # everything is younger than a year
    assert await purge_expired_at(platform, now + timedelta(days=364)) == 0
    removed = await purge_expired_at(platform, now + timedelta(days=366))
    assert removed == 9  # every sealed batch of every chain, a year and a day on
    await write(platform, first, 2)
    await seal(platform)
    report = await check(platform, now=now + timedelta(days=367))
    assert report.intact and report.purged_batches == 4 and report.records == 2
    assert [row[0] for row in await fetch(database_url, "SELECT count(*) FROM audit_purge")] == [3]


async def test_a_school_that_keeps_records_longer_keeps_them(sealed, database_url):
    platform, first, second = sealed
    await execute(database_url, f"UPDATE school SET audit_retention_days = 800 WHERE id = {first}")
    later = utcnow() + timedelta(days=400)
    removed = await purge_expired_at(platform, later)
    assert removed == 4  # the second school's 2 and the installation's 2; the first school's 5 stay
    assert (await check(platform, now=later)).intact
    assert [r[0] for r in await fetch(database_url, "SELECT DISTINCT school_id FROM audit_record")] == [first]


async def purge_expired_at(platform, when):
    async with platform.db.writing() as session:
        return await purge_expired(session, when)


def test_docs_list_every_catalogued_action(make_platform):
    from pathlib import Path

    docs = (Path(__file__).parents[2] / "docs" / "audit.md").read_text()
    platform = make_platform(plugins=("journal", "diary", "messaging", "noticeboard"))
    missing = [action for action in platform.audit_events if f"| `{action}` |" not in docs]
    assert not missing, f"docs/audit.md lacks {missing}"


async def test_a_forged_purge_cannot_hide_removed_records(sealed, database_url):
    """The trigger lets records go under a purge row; one written by hand for young batches is not believed."""
    platform, first, _second = sealed
    last = (await fetch(database_url, f"SELECT max(id) FROM audit_seal WHERE school_id = {first}"))[0][0]
    await execute(database_url, "INSERT INTO audit_purge (school_id, through_seal_id, records, older_than, purged_at) "
                                f"VALUES ({first}, {last}, 5, '2099-01-01 00:00:00.000000', '2026-11-01 00:00:00.000000')")
    await execute(database_url, f"DELETE FROM audit_record WHERE school_id = {first}")  # the trigger lets it pass
    report = await check(platform)
    assert not report.intact and any("forged" in problem for problem in report.problems)


@pytest.mark.parametrize("record_id", [0, -5])
async def test_a_record_outside_every_batch_is_found(sealed, database_url, record_id):
    platform, _first, second = sealed
    await execute(database_url, "INSERT INTO audit_record (id, at, action, result, school_id) "
                                f"SELECT {record_id}, at, 'core.role_granted', 'ok', {second} FROM audit_record WHERE id = 7")
    problems = (await check(platform)).problems
    assert len(problems) == 1 and "added outside" in problems[0]

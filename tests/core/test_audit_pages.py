"""The audit viewer of the journal administrator: the school's records only, filters, the
catalogue, the chain head to keep elsewhere, the retention."""

from __future__ import annotations

import json
import re

from tests.support.people import add_school, add_user, sign_in, signed_in
from tests.support.snapshot import database_unchanged, execute, fetch, moment


def shown_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'id="core-audit-(\d+)"', html)]


async def add_record(url, action, school_id, *, actor=None, result="ok", details=None, at="2026-11-20 10:00:00",
                     object_type=None, object_id=None):
    await execute(url, "INSERT INTO audit_record (at, action, result, school_id, actor_id, details, object_type, object_id) "
                       "VALUES (:at, :action, :result, :school, :actor, :details, :otype, :oid)",
                  at=moment(url, at), action=action, result=result, school=school_id, actor=actor, otype=object_type, oid=object_id,
                  details=json.dumps(details) if details else None)
    return (await fetch(url, "SELECT max(id) FROM audit_record"))[0][0]


async def test_the_administrator_sees_the_schools_records_and_its_peoples_failed_sign_ins_only(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        other = await add_school(database_url, "Чужая школа")
        teacher = await add_user(database_url, "t-own", [("teacher", school)], full_name="Иванова Мария Петровна")
        stranger = await add_user(database_url, "t-other", [("teacher", other)])
        own = await add_record(database_url, "core.role_granted", school, actor=teacher, details={"role": "teacher"})
        foreign = await add_record(database_url, "core.role_granted", other, actor=stranger)
        own_failure = await add_record(database_url, "core.login_failed", None, actor=teacher, result="failed",
                                       details={"login": "t-own"})
        foreign_failure = await add_record(database_url, "core.login_failed", None, actor=stranger, result="failed")
        unknown_login = await add_record(database_url, "core.login_failed", None, result="failed", details={"login": "nobody"})
        page = await admin.get("/admin/audit")
        assert page.status_code == 200
        ids = shown_ids(page.text)
        assert {own, own_failure} <= set(ids)
        assert not {foreign, foreign_failure, unknown_login} & set(ids)
        assert ids == sorted(ids, reverse=True)  # newest first
        assert "Иванова Мария Петровна" in page.text and "Выдана роль" in page.text and "роль: teacher" in page.text


async def test_the_filters_narrow_the_list_and_bad_ones_are_explained(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        teacher = await add_user(database_url, "t-filter", [("teacher", school)], full_name="Петров Пётр")
        early = await add_record(database_url, "core.login", school, actor=teacher, at="2026-11-02 05:00:00")
        late = await add_record(database_url, "core.role_granted", school, at="2026-11-25 05:00:00")
        refused = await add_record(database_url, "core.access_denied", school, actor=teacher, result="denied",
                                   at="2026-11-25 06:00:00", object_type="route", object_id="core:admin_users")

        async def ids(query: str) -> list[int]:
            return [n for n in shown_ids((await admin.get(f"/admin/audit?{query}")).text) if n in {early, late, refused}]

        assert await ids("start=2026-11-20") == [refused, late]
        assert await ids("end=2026-11-02") == [early]
        assert await ids("who=петров") == [refused, early]  # by name, case and ё folded
        assert await ids("who=t-filter&result=denied") == [refused]
        assert await ids("category=sign_in") == [early]
        assert await ids("action=core.role_granted") == [late]
        assert await ids("object=route:core:admin_users") == [refused]
        bad = await admin.get("/admin/audit?start=31.02.2026&action=core.nonsense&result=maybe&end=2026-11-02")
        assert bad.status_code == 200 and "не является датой" in bad.text
        assert [n for n in shown_ids(bad.text) if n in {early, late, refused}] == [early]  # the rest ignored
        swapped = await ids("start=2026-11-30&end=2026-11-20")
        assert swapped == [refused, late]


async def test_older_records_come_a_page_at_a_time(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        for _ in range(55):
            await add_record(database_url, "core.login", school)
        first = await admin.get("/admin/audit?category=sign_in")
        link = re.search(r'id="core-audit-older" href="([^"]+)"', first.text)[1].replace("&amp;", "&")
        second = await admin.get(link)
        assert len(shown_ids(first.text)) == 50 and "category=sign_in" in link
        assert len(set(shown_ids(first.text)) | set(shown_ids(second.text))) >= 55
        assert max(shown_ids(second.text)) < min(shown_ids(first.text))


async def test_the_catalogue_names_every_action_by_kind(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin", plugins=None) as (admin, _school):
        page = await admin.get("/admin/audit/events")
        platform = admin.app.state.platform
    assert page.status_code == 200
    for action in platform.audit_events:
        assert f"<code>{action}</code>" in page.text
    assert "Вход и сеансы" in page.text and "Отметка выставлена, изменена или удалена" in page.text


async def test_the_chain_head_downloads_as_json_and_the_download_is_recorded(make_client, make_platform, database_url):
    from core.audit.chain import seal_pending

    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        async with make_platform().db.writing() as session:  # the hourly round, from another process
            await seal_pending(session)
        response = await admin.get("/admin/audit/heads")
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    heads = response.json()["chains"]
    assert [h["school_id"] for h in heads] == [school] and len(heads[0]["head"]) == 64
    assert await fetch(database_url, "SELECT actor_id IS NOT NULL FROM audit_record WHERE action = 'core.audit_heads_exported'") == [(True,)]


async def test_the_retention_is_kept_between_a_year_and_ten(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        for bad in ("30", "abc", "99999", "", "-400"):
            async with database_unchanged(database_url):
                response = await admin.post("/admin/audit/retention", data={"days": bad}, follow_redirects=True)
            assert "от 365 до 3650 дней" in response.text, bad
        await admin.post("/admin/audit/retention", data={"days": "730"})
        page = await admin.get("/admin/audit")
    assert await fetch(database_url, f"SELECT audit_retention_days FROM school WHERE id = {school}") == [(730,)]
    assert await fetch(database_url, "SELECT details FROM audit_record WHERE action = 'core.audit_retention_changed'") == [
        ('{"new": 730, "old": 365}',)]
    assert 'value="730"' in page.text


async def test_only_the_journal_administrator_and_the_operator_open_the_log(make_client, database_url):
    school = await add_school(database_url)
    await add_user(database_url, "deputy", [("deputy", school)])
    async with make_client(plugins=("testplugin",)) as client:
        await sign_in(client, "deputy")
        assert (await client.get("/admin/audit")).status_code == 403
        assert 'id="nav-audit"' not in (await client.get("/")).text

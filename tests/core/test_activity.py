"""The monthly users' activity report (regulation 4.4, 6.2): counts per person and role for the
chosen month only and for the school only, on screen and as XLSX, and the reminder on the 20th."""

from __future__ import annotations

import io
from datetime import datetime, timezone

from openpyxl import load_workbook

from tests.support.exports import FORMULAS, checked_xlsx, quoted
from tests.support.people import add_school, add_user, sign_in
from tests.support.snapshot import execute, moment


async def add_record(url, action, actor, at, school=None, result="ok"):
    await execute(url, "INSERT INTO audit_record (at, action, result, school_id, actor_id) VALUES (:at, :action, :result, :school, :actor)",
                  at=moment(url, at), action=action, result=result, school=school, actor=actor)


async def activity_world(url):
    """A school whose teacher Смирнова worked in November; Кузнецов never signed in; a parent; and a
    teacher of another school who was busy too."""
    school, other = await add_school(url), await add_school(url, "Другая школа")
    deputy = await add_user(url, "deputy", [("deputy", school)], full_name="Завуч Ольга")
    busy = await add_user(url, "smirnova", [("teacher", school), ("class_teacher", school)], full_name="Смирнова Анна")
    idle = await add_user(url, "kuznetsov", [("teacher", school)], full_name="Кузнецов Пётр")
    parent = await add_user(url, "parent", [("parent", school)], full_name=FORMULAS[0])
    stranger = await add_user(url, "stranger", [("teacher", other)], full_name="Чужой Учитель")
    for at in ("2026-11-02 04:00:00", "2026-11-10 04:00:00"):  # Asia/Yekaterinburg: 09:00 local
        await add_record(url, "core.login", busy, at, school)
    await add_record(url, "core.login_failed", busy, "2026-11-03 04:00:00", result="failed")
    for _ in range(3):
        await add_record(url, "journal.mark_changed", busy, "2026-11-10 05:00:00", school)
    await add_record(url, "core.person_updated", busy, "2026-11-11 05:00:00", school)
    await add_record(url, "core.login", busy, "2026-10-31 18:30:00", school)  # 23:30 on 31 October, local time
    await add_record(url, "core.login", busy, "2026-11-30 19:30:00", school)  # 00:30 on 1 December, local time
    await add_record(url, "core.login", parent, "2026-11-15 04:00:00", school)
    await add_record(url, "journal.mark_changed", stranger, "2026-11-10 05:00:00", other)
    return school, {"deputy": deputy, "busy": busy, "idle": idle, "parent": parent, "stranger": stranger}


async def test_the_report_counts_the_months_sign_ins_and_journal_actions_of_the_schools_people(make_platform, database_url):
    from datetime import date

    from core.audit.activity import activity_report

    school, people = await activity_world(database_url)
    async with make_platform(plugins=()).db.reading() as session:
        report = await activity_report(session, school, "Asia/Yekaterinburg", date(2026, 11, 1))
    by_id = {p.user_id: p for p in report.people}
    busy = by_id[people["busy"]]
    assert (busy.logins, busy.failures, busy.journal_actions, busy.other_changes) == (2, 1, 3, 1)
    assert not by_id[people["idle"]].active and by_id[people["parent"]].logins == 1
    assert people["stranger"] not in by_id
    roles = {r.role: r for r in report.roles}
    assert (roles["teacher"].accounts, roles["teacher"].active, roles["teacher"].active_share) == (2, 1, 50)
    assert (roles["class_teacher"].journal_actions, roles["parent"].logins) == (3, 1)


async def test_the_deputy_reads_the_report_for_a_chosen_month_and_downloads_it(make_client, database_url):
    school, people = await activity_world(database_url)
    async with make_client(plugins=()) as client:
        await sign_in(client, "deputy")
        page = await client.get("/admin/activity?month=2026-11")
        october = await client.get("/admin/activity?month=2026-10")
        bad = await client.get("/admin/activity?month=ноябрь")
        future = await client.get("/admin/activity?month=2099-01")
        download = await client.get("/admin/activity.xlsx?month=2026-11")
    assert page.status_code == 200 and "ноябрь 2026" in page.text
    assert f'id="core-activity-{people["stranger"]}"' not in page.text
    assert "Смирнова Анна" in page.text and "(1 неудачная)" in page.text
    assert "октябрь 2026" in october.text
    assert "не является месяцем" in bad.text and bad.status_code == 200
    assert "ещё нечего" in future.text
    values = checked_xlsx(download.content)
    assert quoted(values, FORMULAS[0])  # a parent's name that looks like a formula stays text
    book = load_workbook(io.BytesIO(download.content))
    assert book.sheetnames == ["По ролям", "По людям"]
    rows = {row[0]: row for row in book["По людям"].iter_rows(min_row=2, values_only=True)}
    assert rows["Смирнова Анна"][3:7] == (2, 1, 3, 1)
    assert download.headers["content-disposition"] == 'attachment; filename="activity-2026-11.xlsx"'


async def test_a_teacher_cannot_open_the_report(make_client, database_url):
    school, _people = await activity_world(database_url)
    async with make_client(plugins=()) as client:
        await sign_in(client, "kuznetsov")
        assert (await client.get("/admin/activity")).status_code == 403
        assert (await client.get("/admin/activity.xlsx")).status_code == 403


async def test_the_journal_administrator_is_reminded_from_the_20th_to_the_23rd(make_client, database_url, monkeypatch):
    import core.web.builtin as builtin

    school = await add_school(database_url)
    await add_user(database_url, "admin", [("journal_admin", school)])
    await add_user(database_url, "director", [("director", school)])
    seen = {}
    async with make_client(plugins=()) as client:
        await sign_in(client, "admin")
        for day, hour in ((19, 8), (19, 20), (20, 8), (23, 8), (23, 20), (24, 8)):
            monkeypatch.setattr(builtin, "utcnow", lambda day=day, hour=hour: datetime(2026, 11, day, hour, tzinfo=timezone.utc))
            seen[day, hour] = 'id="core-activity-reminder"' in (await client.get("/")).text
    async with make_client(plugins=()) as client:
        await sign_in(client, "director")
        director_sees = 'id="core-activity-reminder"' in (await client.get("/")).text
    # The school's days (Yekaterinburg, UTC+5): 20:00 UTC on the 19th is already the 20th there.
    assert seen == {(19, 8): False, (19, 20): True, (20, 8): True, (23, 8): True, (23, 20): False, (24, 8): False}
    assert not director_sees  # the duty is the journal administrator's (regulation 4.4)

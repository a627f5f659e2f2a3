"""The authorization matrix: every route × every role, written by hand from the regulation and the
features' intent (not generated from the code's permission table).

``allowed`` roles must get a success status and see ``content`` (exercised on an object the role
owns: the home school, its notes, an account of that school); every other role gets 403, and an
anonymous visitor is sent to the login page (GET) or refused (POST, no CSRF token).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.access.roles import ROLES
from tests.support.families import CLASS_TEACHER_STUDENT

ALL = frozenset(ROLES)
ADMINS = frozenset({"journal_admin", "operator"})
ACTIVITY_READERS = ADMINS | {"director", "deputy"}  # regulation 4.4, 6.1, 6.2
STRUCTURE_READERS = frozenset({"journal_admin", "operator", "director", "deputy", "secretary", "dispatcher"})
TEACHERS = frozenset({"teacher", "class_teacher"})
PEOPLE_READERS = frozenset({"journal_admin", "operator", "director", "deputy", "secretary"})
CARD_READERS = PEOPLE_READERS | {"class_teacher"}
CONTACT_EDITORS = frozenset({"journal_admin", "operator", "secretary", "class_teacher"})
PEOPLE_MANAGERS = frozenset({"journal_admin", "operator", "secretary"})
TIMETABLE_READERS = frozenset(ROLES) - {"student", "parent"}
CHANGE_WRITERS = frozenset({"dispatcher", "journal_admin", "operator"})
# The class journal: its teachers fill it, the class teacher gives absence reasons, the administration reads it all
# and writes none, the journal administrator keeps its settings; families read it in their diary, not here. The
# operator, who keeps the structure and the timetable, has no part in the journal's records nor its settings.
JOURNAL_READERS = frozenset({"teacher", "class_teacher", "deputy", "director", "journal_admin"})
CLASS_TEACHERS = frozenset({"class_teacher"})
JOURNAL_ADMIN = frozenset({"journal_admin"})
DEPUTY = frozenset({"deputy"})
REPORTERS = frozenset({"deputy", "director"})
NOTE_READERS = frozenset({"teacher", "class_teacher", "deputy", "director"})
FAMILY = frozenset({"student", "parent"})
SUMMARY_READERS = frozenset({"class_teacher", "deputy", "director", "journal_admin"})
MAIL = frozenset(ROLES) - {"operator"}
MAIL_RULES = frozenset({"director", "journal_admin"})  # the school's rules of the mail
NOTICE_READERS = frozenset(ROLES) - {"operator"}
NOTICE_AUTHORS = frozenset({"director", "deputy", "teacher", "class_teacher"})  # regulation 1.13, 4.2, 4.5
NOTICE_SETTINGS = frozenset({"director", "deputy", "journal_admin"})
CREDENTIAL_ISSUERS = frozenset({"journal_admin", "operator", "class_teacher"})
NOTE_WRITERS = frozenset({"teacher", "class_teacher", "deputy", "director", "journal_admin", "dispatcher", "secretary", "site_admin"})


@dataclass(frozen=True)
class Row:
    method: str
    path: str  # {home}, {target} are filled from the world
    allowed: frozenset[str]
    success: tuple[int, ...] = (200,)
    content: str | None = None  # shown to an allowed role
    form: dict[str, Any] | None = None  # {role} is filled in
    json: dict[str, Any] | None = None
    files: dict[str, Any] | None = None  # multipart uploads: {field: (filename, bytes, content type)}
    public: bool = False
    anonymous: tuple[int, ...] = field(default=())  # what an anonymous visitor gets, when not the default


MATRIX: dict[str, Row] = {
    "core:dashboard": Row("GET", "/", ALL, content="<h1>Главная</h1>"),
    "core:choose_school": Row("GET", "/school", ALL, content="Домашняя школа"),
    "core:choose_school_submit": Row("POST", "/school", ALL, (303,), form={"school_id": "{home}", "next": "/"}),
    "core:logout": Row("POST", "/logout", ALL, (303,), form={}, public=True),
    # One's own account: everyone, before a school is chosen too.
    "core:account": Row("GET", "/account", ALL, content="Моя учётная запись"),
    "core:account_password_change": Row("POST", "/account/password", ALL, (422,), content="Новые пароли не совпадают", form={
        "current": "пароль-для-тестов", "password": "зелёный слон идёт в школу", "repeat": "другой"}),
    "core:account_session_end": Row("POST", "/account/sessions/0123456789abcdef/end", ALL, (303,), form={}),
    "core:account_sessions_end_others": Row("POST", "/account/sessions/end-others", ALL, (303,), form={}),
    "core:account_two_factor": Row("GET", "/account/two-factor", ALL, content="Второй фактор"),
    "core:account_two_factor_enrol": Row("POST", "/account/two-factor", ALL, (422,), form={"secret": "AAAA", "secret_mac": "0", "code": "1"}),
    "core:account_two_factor_off": Row("POST", "/account/two-factor/off", ALL, (303,), form={"current": "пароль-для-тестов"}),
    # Issuing credentials (regulation 3.3, 4.7): the journal administrator, and a class teacher for their class.
    "core:credentials": Row("GET", "/people/credentials?group=students:{ct_class}", CREDENTIAL_ISSUERS, content=CLASS_TEACHER_STUDENT),
    "core:credentials_issue": Row("POST", "/people/credentials", CREDENTIAL_ISSUERS, form={
        "group": "students:{ct_class}", "user_ids": "{ct_student}"}),
    "core:admin_users": Row("GET", "/admin/users", ADMINS, content="Целевой Учитель Тестович"),
    "core:admin_user_new": Row("GET", "/admin/users/new", ADMINS, content="Новая учётная запись"),
    "core:admin_user_create": Row("POST", "/admin/users/new", ADMINS, (303,), form={
        "full_name": "Новый Сотрудник", "login": "new-{role}", "password": "длинный-пароль", "role": "teacher"}),
    "core:admin_user": Row("GET", "/admin/users/{target}", ADMINS, content="Целевой Учитель Тестович"),
    "core:admin_user_update": Row("POST", "/admin/users/{target}", ADMINS, (303,), form={"full_name": "Целевой Учитель Тестович"}),
    "core:admin_user_password": Row("POST", "/admin/users/{target}/password", ADMINS, (303,), form={"password": "новый-пароль-123"}),
    "core:admin_user_two_factor_off": Row("POST", "/admin/users/{target}/two-factor/off", ADMINS, (303,), form={}),
    "core:admin_user_block": Row("POST", "/admin/users/{target}/block", ADMINS, (303,), form={"blocked": "0"}),
    "core:admin_user_roles": Row("POST", "/admin/users/{target}/roles", ADMINS, (303,), form={"role": "teacher", "action": "grant"}),
    "core:admin_modules": Row("GET", "/admin/modules", ADMINS, content="Модули школы"),
    "core:admin_school_rules": Row("POST", "/admin/school-rules", ADMINS, (303,), form={"representative_required": "0"}),
    "core:admin_modules_switch": Row("POST", "/admin/modules", ADMINS, (303,), form={"plugin": "testdependent", "enabled": "1"}),
    "core:activity": Row("GET", "/admin/activity", ACTIVITY_READERS, content="Активность пользователей"),
    "core:activity_export": Row("GET", "/admin/activity.xlsx?month=2026-11", ACTIVITY_READERS),
    "core:data_views": Row("GET", "/account/views", FAMILY, content="Кто просматривал данные"),
    "core:audit": Row("GET", "/admin/audit", ADMINS, content="Журнал событий"),
    "core:audit_events": Row("GET", "/admin/audit/events", ADMINS, content="Каталог действий"),
    "core:audit_heads": Row("GET", "/admin/audit/heads", ADMINS, content='"chains"'),
    "core:audit_retention": Row("POST", "/admin/audit/retention", ADMINS, (303,), form={"days": "400"}),
    # The school's structure: the administrators edit, the administration reads, teachers see their own load.
    "core:calendar": Row("GET", "/structure/calendar?year={year}", STRUCTURE_READERS, content="2026/2027"),
    "core:year_create": Row("POST", "/structure/years", ADMINS, (303,), form={"starts_on": "{new_year_start}", "ends_on": "{new_year_end}"}),
    "core:year_level_update": Row("POST", "/structure/years/{year}/levels/5", ADMINS, (303,), form={
        "period_kind": "quarter", "days_per_week": "5", "study_weeks": "34", "weekly_limit": ""}),
    "core:period_create": Row("POST", "/structure/years/{year}/periods", ADMINS, (303,), form={
        "kind": "trimester", "number": "{trimester}", "starts_on": "{trimester_start}", "ends_on": "{trimester_end}"}),
    "core:period_delete": Row("POST", "/structure/years/{year}/periods/{own_period}/delete", ADMINS, (303,), form={}),
    "core:days_create": Row("POST", "/structure/years/{year}/days", ADMINS, (303,), form={
        "kind": "shortened", "name": "Сокращённый день {role}", "starts_on": "2026-12-30", "ends_on": "", "grade_from": "1", "grade_to": "11"}),
    "core:days_delete": Row("POST", "/structure/years/{year}/days/{own_days}/delete", ADMINS, (303,), form={}),
    "core:bells_create": Row("POST", "/structure/years/{year}/bells", ADMINS, (303,), form={
        "name": "Звонки {role} 2", "shift": "2", "kind": "regular", "grade_level": "", "valid_from": "", "valid_to": "",
        "bells": "13:00-13:40\n13:50-14:30"}),
    "core:bells_delete": Row("POST", "/structure/years/{year}/bells/{own_bells}/delete", ADMINS, (303,), form={}),
    "core:classes": Row("GET", "/structure/classes?year={year}", STRUCTURE_READERS, content="5А"),
    "core:class_create": Row("POST", "/structure/years/{year}/classes", ADMINS, (303,), form={"grade_level": "7", "letter": "{new_letter}", "shift": "1"}),
    "core:class": Row("GET", "/structure/classes/{class_5a}", STRUCTURE_READERS, content="5А, английский язык, гр. 1"),
    "core:class_shift": Row("POST", "/structure/classes/{own_class}/shift", ADMINS, (303,), form={"shift": "2"}),
    "core:class_teacher_appoint": Row("POST", "/structure/classes/{own_class}/class-teachers", ADMINS, (303,), form={
        "teacher_id": "{target}", "starts_on": "2026-09-01", "ends_on": ""}),
    "core:class_teacher_end": Row("POST", "/structure/class-teachers/{appointment}/end", ADMINS, (303,), form={"ends_on": "2027-05-31"}),
    "core:subjects": Row("GET", "/structure/subjects", STRUCTURE_READERS, content="Иностранный язык (английский)"),
    "core:subject_create": Row("POST", "/structure/subjects", ADMINS, (303,), form={"name": "Черчение {role}", "short_name": "", "sort_order": ""}),
    "core:subject_defaults": Row("POST", "/structure/subjects/defaults", ADMINS, (303,), form={}),
    "core:subject_update": Row("POST", "/structure/subjects/{own_subject}", ADMINS, (303,), form={
        "name": "Элективный курс {role}", "short_name": "Электив", "sort_order": "500"}),
    "core:subject_archive": Row("POST", "/structure/subjects/{own_subject}/archive", ADMINS, (303,), form={"archived": "1"}),
    "core:groups": Row("GET", "/structure/groups?year={year}", STRUCTURE_READERS, content="5А, английский язык, гр. 1"),
    "core:group_create": Row("POST", "/structure/years/{year}/groups", ADMINS, (303,), form={
        "name": "Группа {role}", "subject_id": "", "class_ids": "{class_5a}"}),
    "core:group": Row("GET", "/structure/groups/{group}", STRUCTURE_READERS, content="5А, английский язык, гр. 1"),
    "core:group_member_add": Row("POST", "/structure/groups/{group}/members", ADMINS, (303,), form={
        "student_id": "{student}", "starts_on": "{member_start}", "ends_on": "{member_end}"}),
    "core:group_member_end": Row("POST", "/structure/group-members/{own_member}/end", ADMINS, (303,), form={"ends_on": "{own_member_end}"}),
    "core:curriculum": Row("GET", "/structure/curriculum?year={year}", STRUCTURE_READERS, content="Математика"),
    "core:curriculum_set": Row("POST", "/structure/years/{year}/curriculum", ADMINS, (303,), form={
        "grade_level": "6", "subject_id": "{mathematics}", "hours": "5", "pattern": "weekly"}),
    "core:ungraded_create": Row("POST", "/structure/years/{year}/ungraded", ADMINS, (303,), form={
        "subject_id": "{own_subject}", "holder": "c{class_5a}", "study_period_id": ""}),
    "core:ungraded_delete": Row("POST", "/structure/years/{year}/ungraded/{own_rule}/delete", ADMINS, (303,), form={}),
    "core:subject_pages": Row("GET", "/structure/pages?year={year}", STRUCTURE_READERS, content="Целевой Учитель Тестович"),
    "core:subject_pages_generate": Row("POST", "/structure/years/{year}/pages/generate", ADMINS, (303,), form={}),
    "core:subject_page_create": Row("POST", "/structure/years/{year}/pages", ADMINS, (303,), form={
        "subject_id": "{own_subject}", "holder": "c{class_5a}"}),
    "core:subject_page": Row("GET", "/structure/pages/{math_page}", STRUCTURE_READERS, content="Целевой Учитель Тестович"),
    "core:assignment_create": Row("POST", "/structure/pages/{group_page}/assignments", ADMINS, (303,), form={
        "teacher_id": "{assign_teacher}", "hours": "1", "starts_on": "{assign_start}", "ends_on": ""}),
    "core:assignment_end": Row("POST", "/structure/assignments/{assignment}/end", ADMINS, (303,), form={"ends_on": "2027-05-31"}),
    "core:teacher_replace": Row("POST", "/structure/pages/{replaced_page}/replace", ADMINS, (303,), form={
        "assignment_id": "{own_assignment}", "teacher_id": "{replace_teacher}", "starts_on": "2026-12-01"}),
    "core:load": Row("GET", "/structure/load?year={year}&day=2026-10-01", STRUCTURE_READERS, content="Целевой Учитель Тестович"),
    "core:my_load": Row("GET", "/structure/my-load", TEACHERS, content="5А, английский язык, гр. 1"),
    # People: the administration reads everyone, a class teacher their own class, the secretary keeps it all.
    "core:students": Row("GET", "/people/students", PEOPLE_READERS, content="Тестовый student-home"),
    "core:student": Row("GET", "/people/students/{ct_student}", CARD_READERS, content="Родительская Мать Ученикова"),
    "core:person": Row("GET", "/people/persons/{ct_parent}", CARD_READERS, content="Руководимый Ученик Классович"),
    "core:person_update": Row("POST", "/people/persons/{ct_parent}", CONTACT_EDITORS, (303,), form={
        "phone": "+7 900 100-20-30", "email": "", "last_name": "Родительская", "first_name": "Мать", "middle_name": "Ученикова",
        "birth_date": "", "back": "", "version": "1"}),
    "core:class_card": Row("GET", "/people/classes/{ct_class}", CARD_READERS, content="Руководимый Ученик Классович"),
    "core:class_export": Row("GET", "/people/classes/{ct_class}/list.xlsx", CARD_READERS),
    "core:my_class": Row("GET", "/people/my-class", CARD_READERS, (200, 303)),
    "core:student_new": Row("GET", "/people/students/new", PEOPLE_MANAGERS, content="Зачислить обучающегося"),
    "core:student_create": Row("POST", "/people/students", PEOPLE_MANAGERS, (303,), form={
        "last_name": "Новичков", "first_name": "Ученик", "middle_name": "{role}", "birth_date": "2015-05-05", "class_id": "{class_5a}",
        "starts_on": "2026-11-30", "kind": "admitted", "order_number": "130-у", "order_date": "2026-11-27", "rep_full_name": "",
        "rep_kind": "mother", "rep_phone": "", "rep_document": ""}),
    "core:student_transfer": Row("POST", "/people/students/{mover}/transfer", PEOPLE_MANAGERS, (303,), form={
        "class_id": "{transfer_class}", "day": "2026-11-16", "order_number": "120-у", "order_date": "2026-11-13"}),
    "core:student_leave": Row("POST", "/people/students/{leaver}/leave", PEOPLE_MANAGERS, (303,), form={
        "kind": "left", "day": "2026-11-20", "order_number": "125-у", "order_date": "2026-11-20", "note": "МАОУ СОШ № 1"}),
    "core:representative_add": Row("POST", "/people/students/{rep_student}/representatives", PEOPLE_MANAGERS, (303,), form={
        "rep_person_id": "", "rep_full_name": "Представителева Анна Ивановна", "rep_kind": "mother", "rep_phone": "", "rep_document": ""}),
    "core:consent_give": Row("POST", "/people/persons/{ct_student}/consent", PEOPLE_MANAGERS, (303,), form={
        "given_on": "2026-11-02", "document": "заявление {role}", "valid_until": "", "signed_by": "", "scopes": "journal",
        "back": "student"}),
    # 422 when another role's withdrawal left no consent standing: the access is what the matrix checks
    "core:consent_withdraw": Row("POST", "/people/persons/{ct_student}/consent/withdraw", PEOPLE_MANAGERS, (303, 422), form={
        "withdrawn_on": "2026-11-20", "withdrawal_document": "отзыв {role}", "back": "student"}),
    "core:consents": Row("GET", "/people/consents", PEOPLE_READERS, content="Без согласия на обработку"),
    "core:representative_end": Row("POST", "/people/representatives/{own_link}/end", PEOPLE_MANAGERS, (303,), form={"ends_on": "2026-11-20"}),
    "core:staff": Row("GET", "/people/staff", PEOPLE_READERS, content="Целевой Учитель Тестович"),
    "core:staff_export": Row("GET", "/people/staff.xlsx", PEOPLE_READERS),
    "core:staff_create": Row("POST", "/people/staff", PEOPLE_MANAGERS, (303,), form={
        "last_name": "Новая", "first_name": "Сотрудница", "middle_name": "", "birth_date": "", "phone": "", "email": "",
        "title": "Педагог-психолог {role}", "starts_on": "2026-09-01"}),
    "core:position_add": Row("POST", "/people/persons/{target}/positions", PEOPLE_MANAGERS, (303,), form={
        "title": "Совместитель {role}", "starts_on": "2026-09-01"}),
    "core:position_end": Row("POST", "/people/positions/{own_position}/end", PEOPLE_MANAGERS, (303,), form={"ends_on": "2026-12-31"}),
    "core:import": Row("GET", "/people/import", PEOPLE_MANAGERS, content="Загрузка списков"),
    "core:import_sample": Row("GET", "/people/import/sample/students", PEOPLE_MANAGERS),
    "core:import_upload": Row("POST", "/people/import", PEOPLE_MANAGERS, (303,), form={
        "kind": "students", "class_id": "{class_5a}", "starts_on": "2026-11-30", "start_kind": "admitted",
        "order_number": "140-у", "order_date": "2026-11-27"},
        files={"file": ("5А.csv", "ФИО;Дата рождения\nСписочный Ученик Первый;01.03.2015\n".encode(), "text/csv")}),
    "core:import_preview": Row("GET", "/people/import/{own_upload}", PEOPLE_MANAGERS, content="5А-"),
    "core:import_confirm": Row("POST", "/people/import/{own_upload}/confirm", PEOPLE_MANAGERS, (303,), form={}),
    "core:movement": Row("GET", "/people/movement?from=2026-09-01&to=2026-11-30", PEOPLE_READERS, content="Движение обучающихся"),
    "core:movement_export": Row("GET", "/people/movement.xlsx?from=2026-09-01&to=2026-11-30", PEOPLE_READERS),
    "core:occupancy": Row("GET", "/people/occupancy?day=2026-10-01", PEOPLE_READERS, content="5А"),
    "core:occupancy_export": Row("GET", "/people/occupancy.xlsx?day=2026-10-01", PEOPLE_READERS),
    # The timetable: the staff read it, the dispatcher records the day's changes, the administrators keep the weekly timetable.
    "core:timetable_day": Row("GET", "/timetable?day=2027-04-05", TIMETABLE_READERS, content="5А"),
    "core:timetable_class": Row("GET", "/timetable/classes/{class_5a}", TIMETABLE_READERS, content="Расписание: 5А"),
    "core:timetable_teacher": Row("GET", "/timetable/teachers/{tt_teacher}", TIMETABLE_READERS,
                                  content="Целевой Учитель Тестович"),
    "core:timetable_mine": Row("GET", "/timetable/my", TIMETABLE_READERS, content="Моё расписание"),
    "core:timetable_room": Row("GET", "/timetable/rooms/{tt_room}", TIMETABLE_READERS, content="Кабинет мира"),
    "core:timetable_changes": Row("GET", "/timetable/changes?day=2027-04-05", TIMETABLE_READERS, content="Экскурсия мира"),
    "core:timetable_change_create": Row("POST", "/timetable/changes", CHANGE_WRITERS, (303,), form={
        "day": "{tt_day}", "kind": "cancel", "slot_id": "{tt_slot}", "reason": "Причина {role}"}),
    "core:timetable_change_check": Row("POST", "/timetable/changes/check", CHANGE_WRITERS, content="Конфликтов нет", form={
        "day": "2027-03-08", "kind": "substitute", "slot_id": "{tt_slot}", "teacher_id": "{neighbour}", "reason": "Болезнь"}),
    "core:timetable_change_withdraw": Row("POST", "/timetable/changes/{own_change}/withdraw", CHANGE_WRITERS, (303,), form={}),
    "core:rooms": Row("GET", "/timetable/rooms", TIMETABLE_READERS, content="Кабинет мира"),
    "core:room_create": Row("POST", "/timetable/rooms", ADMINS, (303,), form={"name": "Кабинет {role} 2", "note": ""}),
    "core:room_archive": Row("POST", "/timetable/rooms/{own_room}/archive", ADMINS, (303,), form={"archived": "1"}),
    "core:timetable_editor": Row("GET", "/timetable/edit?version={tt_future}&class={class_5a}", ADMINS, content="core-editor-grid"),
    "core:timetable_slot_form": Row("GET", "/timetable/edit/{tt_future}/slot?class={class_5a}&weekday=1&number=2", ADMINS,
                                    content="core-slot-fields"),
    "core:timetable_slot_check": Row("POST", "/timetable/edit/{tt_future}/slots/check", ADMINS, content="no-conflicts", form={
        "class_id": "{class_5a}", "weekday": "{new_slot_weekday}", "number": "2", "page_id": "{math_page}", "teacher_id": "{target}",
        "room_id": "", "parity": "every"}),
    "core:timetable_slot_create": Row("POST", "/timetable/edit/{tt_future}/slots", ADMINS, (303,), form={
        "class_id": "{class_5a}", "weekday": "{new_slot_weekday}", "number": "2", "page_id": "{math_page}", "teacher_id": "{target}",
        "room_id": "", "parity": "every"}),
    "core:timetable_slot_delete": Row("POST", "/timetable/edit/{tt_future}/slots/{own_slot}/delete", ADMINS, (303,), form={}),
    "core:timetable_version_create": Row("POST", "/timetable/versions", ADMINS, (303,), form={
        "year": "{year}", "valid_from": "{new_version_day}"}),
    "core:timetable_version_delete": Row("POST", "/timetable/versions/{own_version}/delete", ADMINS, (303,), form={}),
    "core:timetable_version_conflicts": Row("GET", "/timetable/edit/{tt_future}/conflicts", ADMINS, content="no-conflicts"),
    # The class journal: lessons of a page the reader reaches, a writer's own lessons, the class teacher's class.
    "journal:lessons": Row("GET", "/journal/lessons?page={group_page}&week={jr_week}", JOURNAL_READERS, content="Тема мира"),
    "journal:lesson": Row("GET", "/journal/lessons/{jr_lesson}", JOURNAL_READERS, content="Тема мира"),
    "journal:lesson_save": Row("POST", "/journal/lessons/{jr_own_lesson}", TEACHERS, (303,), form={
        "topic": "Тема {role}", "topic__was": "", "note": "Заметка {role}", "note__was": ""}),
    "journal:cell_history": Row("GET", "/journal/lessons/{jr_class_lesson}/history?student={ct_student}", JOURNAL_READERS,
                                content="Заявление мира"),
    "journal:grid": Row("GET", "/journal/pages/{group_page}?period={period}", JOURNAL_READERS, content='id="journal-grid-facts"'),
    "journal:cell_save": Row("POST", "/journal/lessons/{jr_own_lesson}/cells/{jr_cell_student}", TEACHERS, form={
        "value": "5", "was": ""}, content='value="5"'),
    "journal:home": Row("GET", "/journal/home", JOURNAL_READERS, content="<h1>Журнал</h1>"),
    "journal:lesson_decide": Row("POST", "/journal/lessons/{jr_cancelled}/decision", TEACHERS, (303,), form={"decision": "kept"}),
    "journal:extra_lesson_create": Row("POST", "/journal/lessons/extra", TEACHERS, (303,), form={
        "page_id": "{group_page}", "day": "2026-11-18", "number": ""}),
    "journal:absences_home": Row("GET", "/journal/absences", CLASS_TEACHERS, (303,)),
    "journal:absences": Row("GET", "/journal/classes/{ct_class}/absences?week={jr_week}", CLASS_TEACHERS,
                            content="Руководимый Ученик Классович"),
    "journal:absence_reason": Row("POST", "/journal/attendance/{jr_attendance}/reason", CLASS_TEACHERS, (303,), form={
        "code": "Б", "reason": "Справка {role}", "version": "{jr_attendance_version}"}),
    "journal:absence_reasons_bulk": Row("POST", "/journal/classes/{ct_class}/absences", CLASS_TEACHERS, (303,), form={
        "student_id": "{ct_student}", "starts_on": "{jr_bulk_from}", "ends_on": "{jr_bulk_to}", "code": "Б",
        "reason": "Болезнь {role}", "week": "{jr_bulk_from}"}),
    "journal:settings": Row("GET", "/journal/settings", JOURNAL_ADMIN, content="Ответ на уроке"),
    "journal:settings_save": Row("POST", "/journal/settings", JOURNAL_ADMIN, (303,), form={
        "allow_double_marks": "1", "final_threshold": "0,6", "version": "0"}),
    "journal:work_kind_create": Row("POST", "/journal/settings/kinds", JOURNAL_ADMIN, (303,), form={"name": "Вид работы {role}", "weight": "1,5"}),
    "journal:work_kind_update": Row("POST", "/journal/settings/kinds/{jr_kind}", JOURNAL_ADMIN, (303,), form={
        "name": "Проект мира", "weight": "2,5", "archived": ""}),
    "journal:attendance_code_create": Row("POST", "/journal/settings/codes", JOURNAL_ADMIN, (303,), form={
        "code": "ДО", "name": "Дистанционное обучение", "is_absence": "", "excused": ""}),
    "journal:attendance_code_update": Row("POST", "/journal/settings/codes/{jr_code}", JOURNAL_ADMIN, (303,), form={
        "name": "Соревнования мира", "is_absence": "1", "excused": "1", "archived": ""}),
    "journal:finals": Row("GET", "/journal/pages/{group_page}/finals?term={period}", JOURNAL_READERS,
                          content='id="journal-finals-facts"'),
    "journal:finals_save": Row("POST", "/journal/pages/{group_page}/finals?term={period}", TEACHERS, (303,), form={
        "period-{jr_cell_student}": "5", "period-{jr_cell_student}__was": "",
        "period-{jr_cell_student}-comment": "Итоговая от {role}"}),
    "journal:finals_history": Row("GET", "/journal/pages/{group_page}/finals/history?student={jr_cell_student}&term={period}",
                                  JOURNAL_READERS, content='id="journal-finals-history"'),
    "journal:periods": Row("GET", "/journal/periods", DEPUTY, content='id="journal-periods-table"'),
    "journal:period_due": Row("POST", "/journal/periods/due", DEPUTY, (303,), form={
        "year": "{year}", "term": "year", "finals_due": "2027-06-20", "version": "0"}),
    # the first quarter (its marks are open): rows are run by name, so the final marks above are in
    "journal:period_close": Row("POST", "/journal/periods/close", DEPUTY, (303,), form={
        "year": "{year}", "term": "{period}", "version": "0"}),
    "journal:period_reopen": Row("POST", "/journal/periods/reopen", DEPUTY, (303,), form={
        "year": "{year}", "term": "{jr_closed_term}", "version": "1"}),
    "journal:reports": Row("GET", "/journal/reports", REPORTERS, content='id="journal-reports-classes"'),
    "journal:timeliness": Row("GET", "/journal/reports/timeliness?from=2026-11-01&to=2026-11-28", REPORTERS,
                              content='id="journal-timeliness-table"'),
    "journal:timeliness_export": Row("GET", "/journal/reports/timeliness.xlsx?from=2026-11-01&to=2026-11-28", REPORTERS),
    "journal:substitutions": Row("GET", "/journal/reports/substitutions?month=2026-11", REPORTERS,
                                 content='id="journal-substitutions-table"'),
    "journal:substitutions_export": Row("GET", "/journal/reports/substitutions.xlsx?month=2026-11", REPORTERS),
    "journal:grades_summary": Row("GET", "/journal/classes/{ct_class}/summary", SUMMARY_READERS,
                                  content='id="journal-summary-table"'),
    "journal:grades_summary_export": Row("GET", "/journal/classes/{ct_class}/summary.xlsx", SUMMARY_READERS),
    "journal:attendance_summary": Row("GET", "/journal/classes/{ct_class}/attendance?from=2026-11-01&to=2026-11-28",
                                      SUMMARY_READERS, content="Руководимый Ученик Классович"),
    "journal:attendance_summary_export": Row("GET", "/journal/classes/{ct_class}/attendance.xlsx", SUMMARY_READERS),
    "journal:page_results": Row("GET", "/journal/pages/{group_page}/results?term={period}", JOURNAL_READERS,
                                content='id="journal-results"'),
    "journal:page_results_export": Row("GET", "/journal/pages/{group_page}/results.xlsx?term={period}", JOURNAL_READERS),
    "journal:checks": Row("GET", "/journal/checks", REPORTERS, content="Проверка мира 1"),
    "journal:check_create": Row("POST", "/journal/checks", REPORTERS, (303,), form={
        "checked_on": "2026-11-20", "scope": "class-{ct_class}", "subject": "Проверка от {role}", "findings": "Выявлено",
        "recommendations": ""}),
    "journal:check": Row("GET", "/journal/checks/{jr_check}", NOTE_READERS, content="Темы уроков заполнены"),
    "journal:check_send": Row("POST", "/journal/checks/{jr_unsent_check}/send", REPORTERS, (303,), form={"version": "1"}),
    "journal:check_read": Row("POST", "/journal/checks/{jr_check}/read", TEACHERS, (303,), form={}),
    "journal:subject_scale_save": Row("POST", "/journal/settings/scales", JOURNAL_ADMIN, (303,), form={
        "subject_id": "{english}", "scale": "pass_fail"}),
    # Lesson plans (КТП): the staff reads the base; teachers edit plans of their own subjects.
    "journal:plans": Row("GET", "/journal/plans?year={year}", JOURNAL_READERS, content='id="journal-plans-table"'),
    "journal:plan": Row("GET", "/journal/plans/{jr_plan}", JOURNAL_READERS, content="Тема плана мира"),
    "journal:plan_xlsx": Row("GET", "/journal/plans/{jr_plan}/xlsx", JOURNAL_READERS),
    "journal:plan_create": Row("POST", "/journal/plans", TEACHERS, (303,), form={
        "year_id": "{year}", "subject_id": "{jr_plan_subject}", "grade_level": "{jr_new_plan_level}", "page_id": ""}),
    "journal:plan_item": Row("POST", "/journal/plans/{jr_own_plan}/items", TEACHERS, (303,), form={
        "version": "{jr_plan_version}", "action": "save", "item_id": "{jr_own_item}", "section": "Раздел от {role}",
        "topic": "Тема от {role}", "hours": "2", "kind": "lesson", "homework": "Д/з от {role}", "planned_on": ""}),
    "journal:plan_import": Row("POST", "/journal/plans/{jr_import_plan}/import", TEACHERS, form={"version": "{jr_plan_version}"},
                               files={"file": ("ktp.csv", "№;Тема урока;Кол-во часов\n1;Тема импорта;1\n".encode(), "text/csv")},
                               content='id="journal-plan-import-apply"'),
    "journal:plan_import_apply": Row("POST", "/journal/plans/{jr_import_plan}/import/apply", TEACHERS, (303,), form={
        "version": "{jr_plan_version}", "rows": '[{{"section": "", "topic": "Тема импорта", "hours": 1, "kind": "lesson", '
                                                '"homework": "", "planned_on": null}}]'}),
    "journal:plan_copy": Row("POST", "/journal/plans/{jr_empty_plan}/copy", TEACHERS, (303,), form={
        "version": "1", "source_id": "{jr_copy_source}"}),
    "journal:plan_delete": Row("POST", "/journal/plans/{jr_doomed_plan}/delete", TEACHERS, (303,), form={
        "version": "{jr_plan_version}"}),
    "journal:page_plan": Row("GET", "/journal/pages/{group_page}/plan", JOURNAL_READERS, content='id="journal-page-plan-lag"'),
    "journal:page_plan_save": Row("POST", "/journal/pages/{group_page}/plan", TEACHERS, (303,), form={"action": "homework_on"}),
    "journal:plan_check": Row("GET", "/journal/plan-check?year={year}", REPORTERS, content='id="journal-plan-check-table"'),
    "journal:plan_check_xlsx": Row("GET", "/journal/plan-check.xlsx?year={year}", REPORTERS),
    # The diary: the student's own, a parent's children (the world's parent is the student's mother).
    "diary:home": Row("GET", "/diary/home", FAMILY, (303,)),
    "diary:week": Row("GET", "/diary/students/{student}?week=2026-11-16", FAMILY, content='id="diary-week"'),
    "diary:homework": Row("GET", "/diary/students/{student}/homework", FAMILY, content='id="diary-homework"'),
    "diary:attendance": Row("GET", "/diary/students/{student}/attendance", FAMILY, content='id="diary-attendance"'),
    "diary:calendar": Row("GET", "/diary/students/{student}/calendar", FAMILY, content='id="diary-calendar"'),
    "diary:calendar_save": Row("POST", "/diary/students/{student}/calendar", FAMILY, (303,), form={"action": "revoke"}),
    "diary:marks": Row("GET", "/diary/students/{student}/marks", FAMILY, content='id="diary-marks"'),
    "diary:subject": Row("GET", "/diary/students/{student}/marks/{mathematics}", FAMILY, content='id="diary-subject-marks"'),
    # parents' written refusals of the e-diary: the journal administrator records and withdraws them
    "diary:refusals": Row("GET", "/diary/refusals?q=Родитель", JOURNAL_ADMIN, content="Отказавшийся Родитель"),
    "diary:refusal_record": Row("POST", "/diary/refusals", JOURNAL_ADMIN, (303,), form={
        "parent": "{diary_parent}", "on": "2026-11-20", "document": "Заявление от {role}"}),
    "diary:refusal_withdraw": Row("POST", "/diary/refusals/{diary_refusal}/withdraw", JOURNAL_ADMIN, (303,), form={
        "withdrawn_on": "2026-11-20", "withdrawal_document": "Отзыв от {role}"}),
    # the private feed: its token is the key (an unknown one is a 404 for everyone, signed in or not)
    "diary:feed": Row("GET", "/diary/calendar/AnUnknownTokenOfTheRightLength0123456789abc.ics", ALL, (404,), public=True),
    # The internal mail: everyone of the school, each in their own conversations (the world gives every role a
    # thread and a broadcast of their own, and someone they may write to); the operator has no mailbox.
    "messaging:inbox": Row("GET", "/messaging/inbox", MAIL, content="Переписка мира"),
    "messaging:archive": Row("GET", "/messaging/archive", MAIL, content='id="messaging-lines"'),
    "messaging:sent": Row("GET", "/messaging/sent", MAIL, content="Рассылка мира"),
    "messaging:thread": Row("GET", "/messaging/threads/{msg_thread}", MAIL, content="Переписка мира"),
    "messaging:reply": Row("POST", "/messaging/threads/{msg_thread}/reply", MAIL, (303,), form={"body": "Ответ от {role}"}),
    "messaging:archive_thread": Row("POST", "/messaging/threads/{msg_thread}/archive", MAIL, (303,), form={"archived": "0"}),
    "messaging:broadcast": Row("GET", "/messaging/sent/{msg_broadcast}", MAIL, content="Рассылка мира"),
    "messaging:compose": Row("GET", "/messaging/new", MAIL, content='id="messaging-compose"'),
    "messaging:send": Row("POST", "/messaging/new", MAIL, (303,), form={
        "to": "{msg_to}", "subject": "Письмо от {role}", "body": "Текст от {role}"}),
    "messaging:attachment": Row("GET", "/messaging/attachments/{msg_attachment}", MAIL, content="%PDF-"),
    "messaging:email": Row("GET", "/messaging/email", MAIL, content='id="messaging-email"'),
    "messaging:email_save": Row("POST", "/messaging/email", MAIL, (303,), form={"action": "off", "address": ""}),
    "messaging:settings": Row("GET", "/messaging/settings", MAIL_RULES, content='id="messaging-settings"'),
    "messaging:settings_save": Row("POST", "/messaging/settings", MAIL_RULES, (303,), form={
        "retention_years": "5", "students_write": "1", "families_to_subject_teachers": "1", "teachers_to_students": "1"}),
    "messaging:badge": Row("GET", "/messaging/badge", MAIL, content='id="nav-messaging-badge"'),
    "messaging:widget": Row("GET", "/messaging/widget", MAIL, content='id="messaging-widget"'),
    "noticeboard:board": Row("GET", "/noticeboard/board", NOTICE_READERS, content="Объявление мира"),
    "noticeboard:notice": Row("GET", "/noticeboard/{nb_notice}", NOTICE_READERS, content="Объявление мира"),
    "noticeboard:attachment": Row("GET", "/noticeboard/attachments/{nb_attachment}", NOTICE_READERS, content="%PDF-"),
    "noticeboard:badge": Row("GET", "/noticeboard/badge", NOTICE_READERS, content='id="nav-noticeboard-badge"'),
    "noticeboard:widget": Row("GET", "/noticeboard/widget", NOTICE_READERS, content='id="noticeboard-widget"'),
    "noticeboard:compose": Row("GET", "/noticeboard/new", NOTICE_AUTHORS, content='id="noticeboard-editor"'),
    "noticeboard:publish": Row("POST", "/noticeboard/new", NOTICE_AUTHORS, (303,), form={
        "title": "Объявление от {role}", "body": "Для сотрудников", "audience": "school:0:staff"}),
    "noticeboard:preview": Row("POST", "/noticeboard/preview", NOTICE_AUTHORS, form={"body": "Черновик {role}"},
                               content="Черновик"),
    "noticeboard:edit": Row("GET", "/noticeboard/{nb_own}/edit", NOTICE_AUTHORS, content="Своё объявление"),
    "noticeboard:save": Row("POST", "/noticeboard/{nb_own}/edit", NOTICE_AUTHORS, (303,), form={
        "title": "Своё объявление {role}, исправленное", "body": "Текст", "audience": "school:0:staff", "version": "1"}),
    "noticeboard:withdraw": Row("POST", "/noticeboard/{nb_own}/withdraw", NOTICE_AUTHORS, (303,), form={}),
    "noticeboard:history": Row("GET", "/noticeboard/{nb_own}/history", NOTICE_AUTHORS, content='id="noticeboard-history"'),
    "noticeboard:settings": Row("GET", "/noticeboard/settings", NOTICE_SETTINGS, content='id="noticeboard-settings"'),
    "noticeboard:settings_save": Row("POST", "/noticeboard/settings", NOTICE_SETTINGS, (303,), form={"auto_timetable": "1"}),
    "testplugin:notes_page": Row("GET", "/testplugin/notes", ALL, content="<h1>Заметки</h1>"),
    "testplugin:widget": Row("GET", "/testplugin/widget", ALL, content="Открыть заметки"),
    "testplugin:notes": Row("GET", "/testplugin/schools/{home}/notes", ALL, content="["),
    "testplugin:add_note_form": Row("POST", "/testplugin/notes", NOTE_WRITERS, (303,), form={"text": "Заметка от {role}"}),
    "testplugin:add_note": Row("POST", "/testplugin/schools/{home}/notes", NOTE_WRITERS, (201,), json={"text": "JSON от {role}"}),
    # The short public list: everyone, signed in or not.
    "core:login": Row("GET", "/login", ALL, (200, 303), public=True),
    "core:login_submit": Row("POST", "/login", ALL, (422,), form={"login": "nobody", "password": "неверный"}, public=True),
    "core:login_code": Row("GET", "/login/code", ALL, (303,), public=True),  # no password step passed: back to /login
    "core:login_code_submit": Row("POST", "/login/code", ALL, (303,), form={"code": "123456"}, public=True),
    "core:set_locale": Row("POST", "/locale", ALL, (303,), form={"locale": "ru", "next": "/"}, public=True),
    "core:static": Row("GET", "/static/0/zhurnal.css", ALL, public=True),
    "core:favicon": Row("GET", "/favicon.ico", ALL, (301,), public=True),
    "core:healthz": Row("GET", "/healthz", ALL, content="ok", public=True),
    "core:readyz": Row("GET", "/readyz", ALL, content="ready", public=True),
}


def fill(value: Any, world: Any, role: str) -> Any:
    if isinstance(value, str):
        return value.format(**world.values(role))
    if isinstance(value, dict):
        return {k: fill(v, world, role) for k, v in value.items()}
    return value

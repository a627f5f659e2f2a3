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

ALL = frozenset(ROLES)
ADMINS = frozenset({"journal_admin", "operator"})
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
    public: bool = False
    anonymous: tuple[int, ...] = field(default=())  # what an anonymous visitor gets, when not the default


MATRIX: dict[str, Row] = {
    "core:dashboard": Row("GET", "/", ALL, content="<h1>Главная</h1>"),
    "core:choose_school": Row("GET", "/school", ALL, content="Домашняя школа"),
    "core:choose_school_submit": Row("POST", "/school", ALL, (303,), form={"school_id": "{home}", "next": "/"}),
    "core:logout": Row("POST", "/logout", ALL, (303,), form={}, public=True),
    "core:admin_users": Row("GET", "/admin/users", ADMINS, content="Целевой Учитель Тестович"),
    "core:admin_user_new": Row("GET", "/admin/users/new", ADMINS, content="Новая учётная запись"),
    "core:admin_user_create": Row("POST", "/admin/users/new", ADMINS, (303,), form={
        "full_name": "Новый Сотрудник", "login": "new-{role}", "password": "длинный-пароль", "role": "teacher"}),
    "core:admin_user": Row("GET", "/admin/users/{target}", ADMINS, content="Целевой Учитель Тестович"),
    "core:admin_user_update": Row("POST", "/admin/users/{target}", ADMINS, (303,), form={"full_name": "Целевой Учитель Тестович"}),
    "core:admin_user_password": Row("POST", "/admin/users/{target}/password", ADMINS, (303,), form={"password": "новый-пароль-123"}),
    "core:admin_user_block": Row("POST", "/admin/users/{target}/block", ADMINS, (303,), form={"blocked": "0"}),
    "core:admin_user_roles": Row("POST", "/admin/users/{target}/roles", ADMINS, (303,), form={"role": "teacher", "action": "grant"}),
    "core:admin_modules": Row("GET", "/admin/modules", ADMINS, content="Модули школы"),
    "core:admin_modules_switch": Row("POST", "/admin/modules", ADMINS, (303,), form={"plugin": "testdependent", "enabled": "1"}),
    "testplugin:notes_page": Row("GET", "/testplugin/notes", ALL, content="<h1>Заметки</h1>"),
    "testplugin:widget": Row("GET", "/testplugin/widget", ALL, content="Открыть заметки"),
    "testplugin:notes": Row("GET", "/testplugin/schools/{home}/notes", ALL, content="["),
    "testplugin:add_note_form": Row("POST", "/testplugin/notes", NOTE_WRITERS, (303,), form={"text": "Заметка от {role}"}),
    "testplugin:add_note": Row("POST", "/testplugin/schools/{home}/notes", NOTE_WRITERS, (201,), json={"text": "JSON от {role}"}),
    # The short public list: everyone, signed in or not.
    "core:login": Row("GET", "/login", ALL, (200, 303), public=True),
    "core:login_submit": Row("POST", "/login", ALL, (422,), form={"login": "nobody", "password": "неверный"}, public=True),
    "core:set_locale": Row("POST", "/locale", ALL, (303,), form={"locale": "ru", "next": "/"}, public=True),
    "core:static": Row("GET", "/static/0/zhurnal.css", ALL, public=True),
    "core:favicon": Row("GET", "/favicon.ico", ALL, (301,), public=True),
    "core:healthz": Row("GET", "/healthz", ALL, content="ok", public=True),
    "core:readyz": Row("GET", "/readyz", ALL, content="ready", public=True),
}


def fill(value: Any, world: Any, role: str) -> Any:
    if isinstance(value, str):
        return value.format(home=world.home, target=world.target, role=role)
    if isinstance(value, dict):
        return {k: fill(v, world, role) for k, v in value.items()}
    return value

"""The permission registry, the per-route declarations and the registered user-text fields."""

from __future__ import annotations

import pytest

from core.access.permissions import PermissionRegistry
from core.app import create_app
from core.errors import StartupError
from core.plugins.calling import call_sync_each
from core.plugins.types import Permission


async def test_hook_register_permissions(make_platform):
    enabled = make_platform(plugins=("testplugin",))
    registry = enabled.permissions
    assert registry.permissions["testplugin.view_notes"].roles >= {"student", "parent", "teacher"}
    assert registry.allows(frozenset({"teacher"}), "testplugin.add_note")
    assert not registry.allows(frozenset({"student"}), "testplugin.add_note")
    assert registry.owner["testplugin.add_note"] == "testplugin"
    assert "testplugin.view_notes" not in make_platform(plugins=()).permissions


@pytest.mark.parametrize(("permissions", "message"), [
    ([("core", Permission("core.use_site", "x", frozenset()))], "registered twice"),
    ([("testplugin", Permission("journal.post_grade", "x", frozenset()))], "permissions are named 'testplugin.<verb>'"),
    ([("testplugin", Permission("testplugin.fly", "x", frozenset({"pilot"})))], "unknown roles: \\['pilot'\\]"),
])
def test_bad_permissions_stop_start_up(permissions, message):
    from core.access.permissions import CORE_PERMISSIONS

    with pytest.raises(StartupError, match=message):
        PermissionRegistry([("core", p) for p in CORE_PERMISSIONS] + permissions)


@pytest.mark.parametrize("name", ["Journal", "journal.Post", "testplugin.удалить", "journal.", ".post"])
def test_a_malformed_permission_name_is_refused(name):
    with pytest.raises(ValueError, match="'<owner>.<verb>'"):
        Permission(name, "x", frozenset())


async def test_every_route_declares_a_known_permission_or_is_public(make_platform):
    platform = make_platform(plugins=None)
    app = create_app(platform=platform)
    public = set()
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if handler.http_methods == {"OPTIONS"}:
                continue
            if handler.opt.get("public"):
                public.add(handler.name)
                continue
            assert handler.opt.get("permission") in platform.permissions, f"{handler.name} declares no known permission"
    # the short public list (DESIGN §7): login (and its second-factor step) and logout, static files, health checks, the language switch;
    # and the explicit class of routes a token authenticates instead of a session: the diary's private calendar feed
    assert public == {"core:login", "core:login_submit", "core:login_code", "core:login_code_submit", "core:logout", "core:static", "core:favicon", "core:healthz",
                      "core:readyz", "core:set_locale", "diary:feed"}


async def test_hook_user_text_fields(make_platform):
    platform = make_platform(plugins=("testplugin",))
    app = create_app(platform=platform)
    names = {handler.name for route in app.routes for handler in getattr(route, "route_handlers", [])}
    fields = [f for _plugin, found in call_sync_each(platform.hook.user_text_fields, platform=platform) for f in found]
    assert [(f.form, f.field) for f in fields] == [
        ("core:admin_user_create", "full_name"), ("core:admin_user_update", "full_name"),
        ("core:subject_create", "name"), ("core:subject_create", "short_name"), ("core:subject_update", "short_name"), ("core:subject_update", "name"), ("core:group_create", "name"),
        ("core:days_create", "name"), ("core:bells_create", "name"),
        ("core:position_add", "title"), ("core:staff_create", "title"), ("core:representative_add", "rep_document"),
        ("core:student_create", "rep_document"),
        ("core:consent_give", "document"), ("core:consent_withdraw", "withdrawal_document"), ("core:student_leave", "note"),
        ("core:student_create", "order_number"), ("core:student_transfer", "order_number"), ("core:student_leave", "order_number"),
        ("core:import_upload", "order_number"), ("core:import_upload", "file"), ("core:room_create", "name"), ("core:room_create", "note"),
        ("core:timetable_change_create", "reason"),
        ("testplugin:add_note_form", "text"), ("testplugin:add_note", "text"),
    ]
    for field in fields:
        assert field.form in names and set(field.shown_on) <= names
    blocked = make_platform(plugins=())
    assert [plugin for plugin, _found in call_sync_each(blocked.hook.user_text_fields, platform=blocked)] == ["core"]


def test_hook_register_audit_events(make_platform):
    from core.audit.catalogue import CORE_EVENTS
    from core.plugins.types import AuditEvent

    platform = make_platform(plugins=("testplugin",))
    events = platform.audit_events
    assert list(events)[:len(CORE_EVENTS)] == [e.action for e in CORE_EVENTS]  # core's first
    assert events["testplugin.note_added"].category == "journal"
    assert "testplugin.note_added" not in make_platform(plugins=()).audit_events
    with pytest.raises(ValueError, match="category"):
        AuditEvent("testplugin.x", "gossip", "x")
    with pytest.raises(ValueError, match="owner"):
        AuditEvent("Test plugin.x", "journal", "x")


def test_a_plugin_cannot_catalogue_another_owners_action(make_platform, monkeypatch):
    from core.plugins.types import AuditEvent

    platform = make_platform(plugins=("testplugin",))
    impl = next(i for i in platform.hook.register_audit_events.get_hookimpls() if i.plugin_name == "testplugin")
    monkeypatch.setattr(impl, "function", lambda platform: [AuditEvent("core.login", "sign_in", "x")])
    with pytest.raises(ValueError, match="cannot catalogue"):
        platform.audit_events

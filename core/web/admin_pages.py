"""Account administration (regulation 4.4) and the school's module switches, for the journal
administrator (and the platform operator). Everything acts in the current school."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.access.roles import ROLES, SCHOOLLESS
from core.access.scope import account_in_school, account_only_in_school, current_school, require_account_in_school
from core.audit.log import record
from core.auth.models import RoleGrant, UserAccount
from core.auth.policy import password_problem
from core.auth.services import AccountError, AccountService
from core.db.types import utcnow
from core.di import FromPath, FromQuery, NamedDependency, URLEncodedBody
from core.i18n import N_, folded
from core.i18n import gettext as _
from core.platform import Platform
from core.school.models import TWO_FACTOR_MODES, School, SchoolModule
from core.web.pages import flash, redirect, render, validation_error
from core.web.sessions import current_user

ACCOUNTS = {"permission": "core.manage_accounts"}
MODULES = {"permission": "core.manage_modules"}


def grantable_roles(actor: Any) -> list[tuple[str, str]]:
    """(role, label) an administrator may give; the installation-wide operator role only by an operator."""
    return [(role, _(label)) for role, label in ROLES.items() if role not in SCHOOLLESS or actor.is_operator]


# ---- the list -----------------------------------------------------------------------------------


@get("/admin/users", name="core:admin_users", opt=ACCOUNTS)
async def users_page(request: Request, db_session: NamedDependency[AsyncSession], q: FromQuery[str] = "") -> Response[str]:
    school_id = current_school(current_user(request))
    accounts = (await db_session.execute(
        select(UserAccount.id, UserAccount.login, UserAccount.full_name, UserAccount.is_blocked, UserAccount.last_login_at)
        .where(account_in_school(UserAccount.id, school_id)).order_by(UserAccount.full_name, UserAccount.id)  # type: ignore[arg-type]
    )).all()
    roles: dict[int, list[str]] = {}
    for user_id, role in await db_session.execute(
        select(RoleGrant.user_id, RoleGrant.role).where(RoleGrant.school_id == school_id).order_by(RoleGrant.role)
    ):
        roles.setdefault(user_id, []).append(_(ROLES[role]))
    needle = folded(q.strip())[:100]
    if needle:
        accounts = [a for a in accounts if needle in folded(a.login) or needle in folded(a.full_name)]
    return await render(request, "core/admin_users.html", {"accounts": accounts, "roles": roles, "q": q[:100]},
                        partial=("core/_admin_users_table.html", "core-users-table"))


# ---- creating an account -----------------------------------------------------------------------


@dataclass
class NewAccountForm:
    login: str = ""
    full_name: str = ""
    password: str = ""
    role: str = ""


@get("/admin/users/new", name="core:admin_user_new", opt=ACCOUNTS)
async def new_user_page(request: Request) -> Response[str]:
    return await render(request, "core/admin_user_new.html", _new_context(request, NewAccountForm(), {}))


@post("/admin/users/new", name="core:admin_user_create", opt=ACCOUNTS)
async def create_user(request: Request, platform: NamedDependency[Platform], data: URLEncodedBody[NewAccountForm]) -> Response[str]:
    actor = current_user(request)
    school_id = current_school(actor)
    async with platform.db.writing() as session:
        service = AccountService(session, platform.passwords)
        errors = await service.problems(login=data.login, full_name=data.full_name, password=data.password)
        if data.role not in dict(grantable_roles(actor)):
            errors["role"] = _("Choose a role.")
        if not errors:
            try:
                account = await service.create(login=data.login, full_name=data.full_name, password=data.password)
                if data.password:  # chosen by the administrator: the person sets their own at first sign-in
                    account.must_change_password = True
                    account.password_expires_at = utcnow() + timedelta(hours=platform.settings.security.initial_password_hours)
                await service.grant(account, None if data.role in SCHOOLLESS else school_id, data.role, granted_by=actor.id)  # type: ignore[union-attr]
            except AccountError as exc:  # a concurrent request took the login meanwhile
                await session.rollback()
                errors[exc.field or "login"] = str(exc)
            else:
                record(session, "core.account_created", connection=request, object_type="user", object_id=account.id)
                record(session, "core.role_granted", connection=request, object_type="user", object_id=account.id,
                       details={"role": data.role})
                flash(request, _("The account %(login)s was created.", login=account.login))
                return redirect(request, f"/admin/users/{account.id}")
    data.password = ""  # never sent back
    return await validation_error(request, "core/admin_user_new.html", _new_context(request, data, errors),
                                  partial=("core/_admin_user_new_form.html", "core-user-new-form"))


def _new_context(request: Request, form: NewAccountForm, errors: dict[str, str]) -> dict[str, Any]:
    return {"form": form, "errors": errors, "roles": grantable_roles(current_user(request))}


# ---- one account -------------------------------------------------------------------------------


@get("/admin/users/{user_id:int}", name="core:admin_user", opt=ACCOUNTS)
async def user_page(request: Request, user_id: FromPath[int], platform: NamedDependency[Platform]) -> Response[str]:
    async with platform.db.reading() as session:
        context = await _account_context(request, session, user_id)
    return await render(request, "core/admin_user.html", context)


async def _account_context(request: Request, session: AsyncSession, user_id: int) -> dict[str, Any]:
    actor = current_user(request)
    await require_account_in_school(session, actor, user_id)
    account = await session.get(UserAccount, user_id)
    if account is None:
        raise NotFoundException()
    school_id = current_school(actor)
    grants = (await session.execute(
        select(RoleGrant.role, RoleGrant.school_id).where(
            RoleGrant.user_id == user_id, (RoleGrant.school_id == school_id) | RoleGrant.school_id.is_(None)
        ).order_by(RoleGrant.role)
    )).all()
    return {
        "account": account, "grants": [(role, _(ROLES[role]), grant_school) for role, grant_school in grants],
        "roles": grantable_roles(actor), "errors": {}, "is_self": actor is not None and actor.id == user_id,
        "only_here": await account_only_in_school(session, actor, user_id),
    }


class Refused(Exception):
    """Raised inside a write transaction to refuse a change; the page is rendered after it ends."""

    def __init__(self, session: AsyncSession, context: dict[str, Any], field: str, message: str) -> None:
        session.expunge_all()  # the loaded objects stay readable after the rollback
        super().__init__(message)
        self.context, self.field, self.message = context, field, message


async def _refused(request: Request, refusal: Refused) -> Response[str]:
    """The account page again, with the message by its field; nothing was changed."""
    refusal.context["errors"] = {refusal.field: refusal.message}
    return await render(request, "core/admin_user.html", refusal.context, status_code=422)


def _own_account_only(session: AsyncSession, context: dict[str, Any], field: str) -> None:
    """Name, password and blocking act on the whole account: only for accounts of this school alone."""
    if not context["only_here"]:
        raise Refused(session, context, field, _(
            "This person also works in another school: their name, password and access are changed by the platform operator."
        ))


@dataclass
class ProfileForm:
    full_name: str = ""


@post("/admin/users/{user_id:int}", name="core:admin_user_update", opt=ACCOUNTS)
async def update_user(request: Request, user_id: FromPath[int], platform: NamedDependency[Platform], data: URLEncodedBody[ProfileForm]) -> Response[str]:
    full_name = " ".join(data.full_name.split())
    try:
        async with platform.db.writing() as session:
            context = await _account_context(request, session, user_id)
            _own_account_only(session, context, "full_name")
            if not full_name or len(full_name) > 200:
                message = _("Enter the person's full name.") if not full_name else _("The full name is too long.")
                raise Refused(session, context, "full_name", message)
            account = context["account"]
            old, account.full_name = account.full_name, full_name
            record(session, "core.account_updated", connection=request, object_type="user", object_id=user_id,
                   details={"full_name": [old, full_name]})
    except Refused as refusal:
        return await _refused(request, refusal)
    flash(request, _("Saved."))
    return redirect(request, f"/admin/users/{user_id}")


@dataclass
class PasswordForm:
    password: str = ""


@post("/admin/users/{user_id:int}/password", name="core:admin_user_password", opt=ACCOUNTS)
async def set_password(request: Request, user_id: FromPath[int], platform: NamedDependency[Platform], data: URLEncodedBody[PasswordForm]) -> Response[str]:
    problem = password_problem(data.password)
    new_hash = None if problem else await platform.passwords.hash_async(data.password)  # before the write lock
    try:
        async with platform.db.writing() as session:
            context = await _account_context(request, session, user_id)
            _own_account_only(session, context, "password")
            if problem:
                raise Refused(session, context, "password", problem)
            # Someone else chose it: it works once, to set the person's own (like an issued one).
            context["account"].password_hash, context["account"].must_change_password = new_hash, True
            context["account"].password_expires_at = utcnow() + timedelta(hours=platform.settings.security.initial_password_hours)
            await AccountService(session, platform.passwords).end_sessions(user_id)
            record(session, "core.password_set", connection=request, object_type="user", object_id=user_id)
    except Refused as refusal:
        return await _refused(request, refusal)
    flash(request, _("The password was changed; the person's sessions were ended."))
    return redirect(request, f"/admin/users/{user_id}")


@dataclass
class BlockForm:
    blocked: str = ""


@post("/admin/users/{user_id:int}/block", name="core:admin_user_block", opt=ACCOUNTS)
async def block_user(request: Request, user_id: FromPath[int], platform: NamedDependency[Platform], data: URLEncodedBody[BlockForm]) -> Response[str]:
    blocked = data.blocked == "1"
    try:
        async with platform.db.writing() as session:
            context = await _account_context(request, session, user_id)
            _own_account_only(session, context, "block")
            if context["is_self"] and blocked:
                raise Refused(session, context, "block", _("You cannot block your own account."))
            await AccountService(session, platform.passwords).set_blocked(context["account"], blocked)
            record(session, "core.account_blocked" if blocked else "core.account_unblocked", connection=request,
                   object_type="user", object_id=user_id)
    except Refused as refusal:
        return await _refused(request, refusal)
    flash(request, _("The account was blocked; its sessions were ended.") if blocked else _("The account was unblocked."))
    return redirect(request, f"/admin/users/{user_id}")


@post("/admin/users/{user_id:int}/two-factor/off", name="core:admin_user_two_factor_off", opt=ACCOUNTS)
async def two_factor_off(request: Request, user_id: FromPath[int], platform: NamedDependency[Platform]) -> Response[str]:
    """For a person who lost the phone and the recovery codes: the second factor goes, and so do
    their sessions; where the school requires it, they set it up again at the next sign-in."""
    try:
        async with platform.db.writing() as session:
            context = await _account_context(request, session, user_id)
            _own_account_only(session, context, "block")
            service = AccountService(session, platform.passwords)
            context["account"].totp_secret, context["account"].totp_last_step = None, None
            await service.clear_recovery_codes(user_id)
            await service.end_sessions(user_id)
            record(session, "core.two_factor_reset", connection=request, object_type="user", object_id=user_id)
    except Refused as refusal:
        return await _refused(request, refusal)
    flash(request, _("The second factor is off; the person's sessions were ended."))
    return redirect(request, f"/admin/users/{user_id}")


@dataclass
class RoleForm:
    role: str = ""
    action: str = "grant"


@post("/admin/users/{user_id:int}/roles", name="core:admin_user_roles", opt=ACCOUNTS)
async def change_role(request: Request, user_id: FromPath[int], platform: NamedDependency[Platform], data: URLEncodedBody[RoleForm]) -> Response[str]:
    """Roles in the current school only, so this works for people of several schools too."""
    actor = current_user(request)
    school_id = current_school(actor)
    try:
        async with platform.db.writing() as session:
            context = await _account_context(request, session, user_id)
            if data.role not in dict(context["roles"]) or data.action not in ("grant", "revoke"):
                raise Refused(session, context, "role", _("Choose a role."))
            if context["is_self"] and data.action == "revoke" and data.role in ("journal_admin", "operator"):
                raise Refused(session, context, "role", _("You cannot take away your own administrator role."))
            service = AccountService(session, platform.passwords)
            target_school = None if data.role in SCHOOLLESS else school_id
            if data.action == "grant":
                changed = await service.grant(context["account"], target_school, data.role, granted_by=actor.id)  # type: ignore[union-attr]
            else:
                changed = await service.revoke(context["account"], target_school, data.role)
            if changed:
                record(session, f"core.role_{'granted' if data.action == 'grant' else 'revoked'}", connection=request,
                       object_type="user", object_id=user_id, details={"role": data.role})
    except Refused as refusal:
        return await _refused(request, refusal)
    flash(request, _("Roles changed; the person's sessions were ended.") if changed else _("Nothing changed."), "success" if changed else "info")
    return redirect(request, f"/admin/users/{user_id}")


# ---- modules of the school ---------------------------------------------------------------------


@get("/admin/modules", name="core:admin_modules", opt=MODULES)
async def modules_page(request: Request, platform: NamedDependency[Platform], db_session: NamedDependency[AsyncSession]) -> Response[str]:
    return await render(request, "core/admin_modules.html", await _modules_context(request, platform, db_session))


async def _modules_context(request: Request, platform: Platform, session: AsyncSession, error: str | None = None) -> dict[str, Any]:
    school_id = current_school(current_user(request))
    off = set((await session.execute(
        select(SchoolModule.plugin).where(SchoolModule.school_id == school_id, SchoolModule.enabled.is_(False))
    )).scalars())
    modules = [(p.name, p.title, p.version, p.requires, p.name not in off) for p in platform.plugins.values()]
    school = await session.get(School, school_id)
    assert school is not None
    return {"modules": modules, "error": error, "representative_required": school.representative_required, "school": school,
            "two_factor_modes": TWO_FACTOR_LABELS}


@dataclass
class ModuleForm:
    plugin: str = ""
    enabled: str = ""


@post("/admin/modules", name="core:admin_modules_switch", opt=MODULES)
async def switch_module(request: Request, platform: NamedDependency[Platform], data: URLEncodedBody[ModuleForm]) -> Response[str]:
    school_id = current_school(current_user(request))
    enabled = data.enabled == "1"
    refused: dict[str, Any] | None = None
    async with platform.db.writing() as session:
        context = await _modules_context(request, platform, session)
        state = {name: on for name, _title, _version, _requires, on in context["modules"]}
        error = None
        if data.plugin not in state:
            error = _("No such module.")
        elif enabled:
            missing = [need for need in platform.plugins[data.plugin].requires if not state.get(need)]
            if missing:
                error = _("Switch on %(modules)s first: this module needs it.", modules=", ".join(platform.plugins[m].title for m in missing))
        else:
            dependants = [p.title for p in platform.plugins.values() if data.plugin in p.requires and state.get(p.name)]
            if dependants:
                error = _("Switch off %(modules)s first: it needs this module.", modules=", ".join(dependants))
        if error:
            context["error"] = error  # plain values: rendered after the transaction ends
            refused = context
        else:
            row = (await session.execute(
                select(SchoolModule).where(SchoolModule.school_id == school_id, SchoolModule.plugin == data.plugin)
            )).scalar_one_or_none()
            if row is None:
                session.add(SchoolModule(school_id=school_id, plugin=data.plugin, enabled=enabled))
            else:
                row.enabled, row.changed_at = enabled, utcnow()
            record(session, "core.module_switched", connection=request, object_type="module", object_id=data.plugin,
                   details={"enabled": enabled})
    if refused is not None:
        return await render(request, "core/admin_modules.html", refused, status_code=422)
    flash(request, _("The module %(title)s is on.", title=platform.plugins[data.plugin].title) if enabled
          else _("The module %(title)s is off.", title=platform.plugins[data.plugin].title))
    return redirect(request, "/admin/modules")


TWO_FACTOR_LABELS = {
    "off": N_("not used"),
    "optional": N_("staff may switch it on for themselves"),
    "admins": N_("required for the administration (director, deputies, journal administrator, engineer)"),
}


@dataclass
class SchoolRulesForm:
    representative_required: str = ""
    password_needs_letters_and_digits: str = ""
    password_max_age_days: str = ""
    two_factor: str = "optional"


@post("/admin/school-rules", name="core:admin_school_rules", opt=MODULES)
async def school_rules(request: Request, platform: NamedDependency[Platform], data: URLEncodedBody[SchoolRulesForm]) -> Response[str]:
    """The school's own rules: whether a minor is admitted only with a legal representative on
    record, and its password and second-factor choices; each change is written to the audit log."""
    school_id = current_school(current_user(request))
    max_age = data.password_max_age_days.strip()
    error = None
    if not (max_age == "" or (max_age.isdigit() and 1 <= int(max_age) <= 3650)):
        error = _("The password's lifetime is a number of days from 1 to 3650, or empty for none.")
    elif data.two_factor not in TWO_FACTOR_MODES:
        error = _("Choose one of the second-factor options offered.")
    if error:
        async with platform.db.reading() as session:
            context = await _modules_context(request, platform, session, error=error)
        return await render(request, "core/admin_modules.html", context, status_code=422)
    chosen = {
        "representative_required": data.representative_required == "1",
        "password_needs_letters_and_digits": data.password_needs_letters_and_digits == "1",
        "password_max_age_days": int(max_age) if max_age else None,
        "two_factor": data.two_factor,
    }
    async with platform.db.writing() as session:
        school = await session.get(School, school_id)
        assert school is not None
        changes = {name: [getattr(school, name), value] for name, value in chosen.items() if getattr(school, name) != value}
        if changes:  # the school's own choice, on record (the password rules are not the default)
            record(session, "core.school_rules_changed", connection=request, object_type="school", object_id=school_id,
                   details=changes)
            for name, (_old, value) in changes.items():
                setattr(school, name, value)
    flash(request, _("Saved."))
    return redirect(request, "/admin/modules")


ROUTES = [users_page, new_user_page, create_user, user_page, update_user, set_password, block_user, two_factor_off, change_role,
          modules_page, switch_module, school_rules]

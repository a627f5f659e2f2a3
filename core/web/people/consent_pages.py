"""Consent to the processing of personal data on the person's card (recording a consent or its
withdrawal: the secretary and the journal administrator), and the report of the students and
parents without a valid one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get, post
from sqlalchemy import select

from core.audit.log import record
from core.di import FromPath, FromQuery, NamedDependency, URLEncodedBody
from core.i18n import gettext as _
from core.people.consent import CONSENT_SCOPES, NewConsent, card_consent, give_consent, people_without_consent, withdraw_consent
from core.people.models import Enrollment
from core.platform import Platform
from core.structure.common import StructureError, active_on
from core.structure.models import ClassGroup
from core.web.pages import flash, redirect, render
from core.web.people.cards_pages import person_context, student_context
from core.people.cards import require_reach
from core.web.people.common import people_context, reach_of
from core.web.structure.common import form_date, query_id, refusal_errors, school_day

MANAGE = {"permission": "core.manage_people"}
VIEW = {"permission": "core.view_people"}


@dataclass
class ConsentForm:
    given_on: str = ""
    document: str = ""
    valid_until: str = ""
    signed_by: str = ""
    back: str = ""


@dataclass
class WithdrawalForm:
    withdrawn_on: str = ""
    withdrawal_document: str = ""
    back: str = ""


async def _card_again(request: Request, platform: Platform, person_id: int, back: str, error: StructureError,
                      form: dict[str, Any]) -> Response[str]:
    async with platform.db.reading() as session:
        build = student_context if back == "student" else person_context
        context = await build(request, session, person_id, errors=refusal_errors(error), form=form)
    template = "core/people/student.html" if back == "student" else "core/people/person.html"
    return await render(request, template, context, status_code=422)


def _card(person_id: int, back: str) -> str:
    return f"/people/students/{person_id}" if back == "student" else f"/people/persons/{person_id}"


@post("/people/persons/{person_id:int}/consent", name="core:consent_give", opt=MANAGE)
async def give_consent_page(request: Request, person_id: FromPath[int], platform: NamedDependency[Platform]) -> Response[str]:
    """The written consent recorded (a new one replaces the one standing, which stays in the history)."""
    form = await request.form()
    data = ConsentForm(**{key: str(form.get(key, ""))[:400] for key in ConsentForm.__dataclass_fields__})
    scopes = [s for s in form.getall("scopes", []) if s in CONSENT_SCOPES]
    reach = reach_of(request)
    try:
        async with platform.db.writing() as session:
            today = await school_day(session, reach.school_id)
            await require_reach(session, school_id=reach.school_id, user_id=reach.user_id, whole_school=True, person_id=person_id,
                                day=today, writing=True)
            signed_by = query_id(data.signed_by)
            signers = {row.id for row in (await card_consent(session, reach.school_id, person_id, today))["signers"]}
            new = NewConsent(given_on=form_date(data.given_on, "given_on") or today, document=data.document, scopes=scopes,
                             valid_until=form_date(data.valid_until, "valid_until"),
                             signed_by=signed_by if signed_by in signers else None)
            consent, dropped = await give_consent(session, reach.school_id, person_id, new, reach.user_id, today)
            record(session, "core.consent_given", connection=request, object_type="person", object_id=person_id,
                   details={"given_on": new.given_on, "document": consent.document, "scopes": consent.scopes,
                            "valid_until": new.valid_until, "dropped": ",".join(dropped)})
    except StructureError as error:
        return await _card_again(request, platform, person_id, data.back, error, {"consent": vars(data) | {"scopes": scopes}})
    flash(request, _("The consent is recorded."))
    return redirect(request, _card(person_id, data.back))


@post("/people/persons/{person_id:int}/consent/withdraw", name="core:consent_withdraw", opt=MANAGE)
async def withdraw_consent_page(request: Request, person_id: FromPath[int], platform: NamedDependency[Platform],
                                data: URLEncodedBody[WithdrawalForm]) -> Response[str]:
    reach = reach_of(request)
    try:
        async with platform.db.writing() as session:
            today = await school_day(session, reach.school_id)
            await require_reach(session, school_id=reach.school_id, user_id=reach.user_id, whole_school=True, person_id=person_id,
                                day=today, writing=True)
            withdrawn_on = form_date(data.withdrawn_on, "withdrawn_on") or today
            consent = await withdraw_consent(session, reach.school_id, person_id, withdrawn_on, data.withdrawal_document[:400],
                                             reach.user_id, today)
            record(session, "core.consent_withdrawn", connection=request, object_type="person", object_id=person_id,
                   details={"withdrawn_on": withdrawn_on, "document": consent.withdrawal_document, "scopes": consent.scopes,
                            "kept_ground": consent.kept_ground})
    except StructureError as error:
        return await _card_again(request, platform, person_id, data.back, error, {"withdrawal": vars(data)})
    flash(request, _("The withdrawal is recorded: see on the card what it changed."))
    return redirect(request, _card(person_id, data.back))


@get("/people/consents", name="core:consents", opt=VIEW)
async def consents_report(request: Request, platform: NamedDependency[Platform], class_id: FromQuery[str] = "") -> Response[str]:
    reach = reach_of(request)
    async with platform.db.reading() as session:
        today = await school_day(session, reach.school_id)
        chosen = query_id(class_id)
        classes = list(await session.scalars(
            select(ClassGroup).where(ClassGroup.school_id == reach.school_id, ClassGroup.id.in_(
                select(Enrollment.class_group_id).where(Enrollment.school_id == reach.school_id,
                                                        active_on(Enrollment.starts_on, Enrollment.ends_on, today))))
            .order_by(ClassGroup.grade_level, ClassGroup.letter)))
        rows = await people_without_consent(session, reach.school_id, today, chosen if chosen in {c.id for c in classes} else None)
    return await render(request, "core/people/consents.html", people_context(
        request, "consents", today, rows=rows, classes=classes, class_id=chosen, reach=reach))


ROUTES = [give_consent_page, withdraw_consent_page, consents_report]

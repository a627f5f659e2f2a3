"""The journal's permissions and the text fields people type into it.

Which lessons a person reaches comes from dated structure data (``plugins.journal.scope``): a
teacher writes on the pages they teach on the lesson's day and on lessons given to them as a
substitute; a class teacher sets absence reasons in their own class; the director, the deputy and
the journal administrator read every journal of the school and write none (regulation 4.1, 4.2).
"""

from __future__ import annotations

from core.i18n import N_
from core.plugins.types import AuditEvent, Permission, UserTextField

READERS = frozenset({"teacher", "class_teacher", "deputy", "director", "journal_admin"})

VIEW = "journal.view_journal"
FILL = "journal.fill_lessons"
REASONS = "journal.set_absence_reasons"
SETTINGS = "journal.manage_settings"
CLOSE = "journal.close_periods"
REPORTS = "journal.view_reports"
SUMMARIES = "journal.view_summaries"
CHECKS = "journal.check_journals"
NOTES = "journal.read_check_notes"
PLANS = "journal.view_plans"
EDIT_PLANS = "journal.edit_plans"
CHECK_PLANS = "journal.check_plans"

PERMISSIONS = (
    Permission(VIEW, N_("Read class journals (own pages, own class; the administration: all)"), READERS),
    Permission(FILL, N_("Fill lessons of own subject pages: topics, homework, attendance, marks"),
               frozenset({"teacher", "class_teacher"})),
    Permission(REASONS, N_("Enter absence reasons for own class"), frozenset({"class_teacher"})),
    Permission(CLOSE, N_("Set the deadlines for final marks and close study periods"), frozenset({"deputy"})),
    Permission(REPORTS, N_("See the journal's reports: timeliness, substitutions, every class's summary sheets"),
               frozenset({"deputy", "director"})),
    Permission(SUMMARIES, N_("See a class's summary sheets of marks and attendance (a class teacher: of their own class)"),
               frozenset({"class_teacher", "deputy", "director", "journal_admin"})),
    Permission(CHECKS, N_("Record checks of the journal and send their information notes"), frozenset({"deputy", "director"})),
    Permission(NOTES, N_("Read the information notes of journal checks (a teacher: those sent to them)"),
               frozenset({"teacher", "class_teacher", "deputy", "director"})),
    Permission(PLANS, N_("Read the school's calendar-thematic plans (КТП)"), READERS),
    Permission(EDIT_PLANS, N_("Make and edit the calendar-thematic plans of own subjects and pages"),
               frozenset({"teacher", "class_teacher"})),
    Permission(CHECK_PLANS, N_("Check every page's calendar-thematic plan before the year"),
               frozenset({"deputy", "director"})),
    Permission(SETTINGS, N_("Set the journal's kinds of work, weights and attendance codes"),
               frozenset({"journal_admin"})),
)

_LESSON = ("journal:lesson", "journal:lesson_save", "journal:cell_history")  # the history shows old and new values
_PLAN = ("journal:plan", "journal:page_plan")
TEXT_FIELDS = (
    # the diary (another plugin) shows a lesson's topic and homework to the student and the parents (homework as
    # links); the audit viewer shows each change's old and new value
    UserTextField(form="journal:lesson_save", field="topic", shown_on=(*_LESSON, "journal:lessons", "journal:grid",
                                                                       "diary:week", "core:audit")),
    UserTextField(form="journal:lesson_save", field="homework", shown_on=(*_LESSON, "diary:week", "diary:homework", "core:audit")),
    UserTextField(form="journal:lesson_save", field="note", shown_on=_LESSON),
    # the diary shows the family a lesson's absence with its reason
    *(UserTextField(form=form, field="reason", shown_on=("journal:absences", "journal:cell_history", "diary:attendance", "diary:week"))
      for form in ("journal:absence_reason", "journal:absence_reasons_bulk")),
    UserTextField(form="journal:finals_save", field="comment", shown_on=("journal:finals", "journal:finals_history")),
    UserTextField(form="journal:finals_save", field="reason", shown_on=("journal:finals_history",)),
    UserTextField(form="journal:cell_save", field="reason", shown_on=("journal:cell_history",)),
    UserTextField(form="journal:lesson_save", field="reason", shown_on=("journal:cell_history",)),
    UserTextField(form="journal:check_create", field="subject", shown_on=("journal:checks", "journal:check")),
    UserTextField(form="journal:check_create", field="findings", shown_on=("journal:check",)),
    UserTextField(form="journal:check_create", field="recommendations", shown_on=("journal:check",)),
    *(UserTextField(form="journal:plan_item", field=name, shown_on=_PLAN) for name in ("section", "topic", "homework")),
    UserTextField(form="journal:plan_import", field="file", shown_on=("journal:plan_import",)),  # its name and rows, previewed
    UserTextField(form="journal:plan_import_apply", field="rows", shown_on=_PLAN),
    *(UserTextField(form=f"journal:work_kind_{verb}", field="name",
                    shown_on=("journal:settings", "journal:lesson", "journal:cell_history", "journal:grid")) for verb in ("create", "update")),
    *(UserTextField(form=f"journal:attendance_code_{verb}", field="name",
                    shown_on=("journal:settings", "journal:lesson", "journal:absences", "journal:grid")) for verb in ("create", "update")),
)

AUDIT_EVENTS: tuple[AuditEvent, ...] = (
    AuditEvent("journal.lesson_changed", "journal", N_("A lesson's topic, homework, kind of work or note was changed")),
    AuditEvent("journal.attendance_changed", "journal", N_("A student's attendance or absence reason was changed")),
    AuditEvent("journal.mark_changed", "journal", N_("A mark was given, changed or removed")),
    AuditEvent("journal.final_changed", "journal", N_("A final mark was given, changed or removed")),
    AuditEvent("journal.settings_saved", "settings", N_("The journal's settings were changed")),
    AuditEvent("journal.subject_scale_saved", "settings", N_("A subject's scale of marks was changed")),
    AuditEvent("journal.work_kind_created", "settings", N_("A kind of work was added")),
    AuditEvent("journal.work_kind_updated", "settings", N_("A kind of work was changed")),
    AuditEvent("journal.attendance_code_created", "settings", N_("An attendance code was added")),
    AuditEvent("journal.attendance_code_updated", "settings", N_("An attendance code was changed")),
    AuditEvent("journal.period_due", "journal", N_("The deadline for a period's final marks was set")),
    AuditEvent("journal.period_close", "journal", N_("A study period was closed")),
    AuditEvent("journal.period_reopen", "journal", N_("A study period was reopened")),
    AuditEvent("journal.check_recorded", "journal", N_("A check of the journal was recorded")),
    AuditEvent("journal.check_note_sent", "journal", N_("A check's note was sent to the teachers")),
    AuditEvent("journal.plan_created", "journal", N_("A lesson plan (КТП) was created")),
    AuditEvent("journal.plan_imported", "journal", N_("A lesson plan was imported from a file")),
    AuditEvent("journal.plan_copied", "journal", N_("A lesson plan was copied from another")),
    AuditEvent("journal.plan_deleted", "journal", N_("A lesson plan was deleted")),
)

"""The journal's routes (mounted under /journal/)."""

from plugins.journal.web import (
    absence_pages, check_pages, final_pages, grid_pages, lesson_pages, list_pages, plan_pages, report_pages,
    settings_pages,
)

ROUTES: list = [*lesson_pages.ROUTES, *list_pages.ROUTES, *absence_pages.ROUTES, *settings_pages.ROUTES, *grid_pages.ROUTES,
                *final_pages.ROUTES, *report_pages.ROUTES, *check_pages.ROUTES, *plan_pages.ROUTES]

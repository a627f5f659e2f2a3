"""Pages of the timetable (regulation 3.2, 4.3): the week of a class, a teacher or a room, the whole
school's day, the day's changes recorded by the dispatcher, and the weekly timetable's editor."""

from core.web.timetable import change_pages, editor_pages, view_pages

ROUTES = [*view_pages.ROUTES, *change_pages.ROUTES, *editor_pages.ROUTES]

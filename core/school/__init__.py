"""The school structure: schools now; calendar, classes, people and timetable as they land."""

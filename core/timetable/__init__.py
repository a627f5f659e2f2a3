"""The timetable (regulation 3.2, 4.3): rooms, the weekly timetable valid from a date, its dated
changes and substitutions, and the lessons of any day that follow from them."""

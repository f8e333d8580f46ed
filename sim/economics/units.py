"""The model's calendar: one step is a week; flows are per week, decisions per year."""

#: Weeks in a year: the step of the yearly decision, and the year of every yearly rate.
WEEKS_PER_YEAR = 52

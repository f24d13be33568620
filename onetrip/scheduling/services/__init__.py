"""Scheduling services, one module per concern: `schedule` (templates → sessions, rules),
`booking` (book, hold, cancel, no-shows), `waitlist`. Interfaces import the module they need."""

"""Pure loan calculation: terms, calendars, schedules, APR, quotes, allocation and accrual. Value objects in, value objects out; no database."""

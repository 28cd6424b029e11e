"""Boarding loans from another system: rows from files, the API and manual entry, validated and booked set-based."""

"""Command handlers (one command each, inside a unit of work) and read-side queries."""

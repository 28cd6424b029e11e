"""Persistence adapters: tables, engine, unit of work, migrations."""

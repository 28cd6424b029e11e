"""Stateless pieces only the admin pages draw (audit viewer, product form, workflow editor)."""

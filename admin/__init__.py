"""Configuration admin pages (products, audit trail) served by the one Reflex app."""

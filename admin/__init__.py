"""Admin pages (products, rules, workflows, ledger, GL, branding, audit, roles, users...) and
their components, drawn with the `ui` kit; registered by webapp.app, never imported by portal."""

"""The borrower portal and staff servicing console: pages, their components and the HTTP API
(registered, with the admin pages, by webapp.app)."""

"""The one Reflex app module: registers the borrower portal and the admin pages, the API
routes and the background jobs (rxconfig.py's app_module_import points here)."""

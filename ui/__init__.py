"""The web kit shared by the borrower portal and the admin pages: session state, the page
shell and form pieces, and `protected_page`, which owns every page's permission guard.
It imports neither `portal`, `admin` nor `webapp` (import-linter contract in pyproject.toml)."""

"""Dynamic route segments read from the page's URL path (`router.url`, which replaces the
deprecated `router.page.params`)."""
import pytest

from ui.state import path_arg


@pytest.mark.parametrize("route,path,name,value", [
    ("/loans/[loan_number]", "/loans/LN-000007", "loan_number", "LN-000007"),
    ("/loans/[loan_number]", "/loans/LN-000007/", "loan_number", "LN-000007"),
    ("/loans/[loan_number]/pay", "/loans/LN-000007/pay", "loan_number", "LN-000007"),
    ("/loans/[loan_number]/pay", "/loans/LN-000007/autopay", "loan_number", ""),
    ("/loans/[loan_number]", "/loans/LN-000007/pay", "loan_number", ""),
    ("/underwriting/[application_id]", "/underwriting/12", "application_id", "12"),
    ("/underwriting/[application_id]", "/servicing/12", "application_id", ""),
    ("/underwriting/[application_id]", "", "application_id", ""),
])
def test_path_arg(route, path, name, value):
    assert path_arg(route, path, name) == value

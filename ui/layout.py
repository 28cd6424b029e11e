"""The page shell every page is drawn in: the header with the menus the user's permissions
allow, the main column and the lender's footer."""
import reflex as rx

from ui import routes
from ui.state import AuthState

BRAND = "Lendbook"  # the product's name; the lender's published name is AuthState.brand_name


# Menus show what the user's permissions allow; every page and action checks again on the
# backend (AuthState._require), which is the authority.
STAFF_LINKS = (("Underwriting", "/underwriting", "application.view"),
               ("Servicing", "/servicing", "loan.view"),
               ("Bank files", "/servicing/bank-files", "bank_files.manage"),
               ("Loan upload", "/servicing/onboarding", "onboarding.board"))
ADMIN_LINKS = (("Products", "/admin/products", "product.edit"),
               ("Rules", "/admin/rules", "rules.edit"),
               ("Workflows", "/admin/workflows", "workflow.edit"),
               ("Ledger", "/admin/ledger", "ledger.view"),
               ("GL export", "/admin/gl", "gl.manage"),
               ("Branding", "/admin/branding", "branding.edit"),
               ("Config", "/admin/config", "export.data"),
               ("Audit", "/admin/audit", "audit.view"),
               ("Roles", "/admin/roles", "roles.manage"),
               ("Users", "/admin/users", "users.manage"),
               ("Approvals", "/admin/approvals", "config.approve"))


def nav_link(text: str, href: str, **props) -> rx.Component:
    """A header link: colour and padding from assets/lendbook.css (why: there)."""
    return rx.link(text, href=href, weight="medium", class_name="nav-link", **props)


def header() -> rx.Component:
    return rx.el.header(
        rx.flex(
            rx.link(rx.flex(
                rx.cond(AuthState.brand_logo != "",
                        rx.image(src=AuthState.brand_logo, alt="", height="2em", width="auto",
                                 id="brand-logo")),
                rx.heading(AuthState.brand_name, size="5", color="white", id="brand-name"),
                spacing="2", align="center"), href="/", underline="none"),
            rx.flex(
                rx.cond(AuthState.is_borrower, rx.fragment(
                    nav_link("My loans", "/loans"), nav_link("Apply", "/apply"))),
                *[rx.cond(AuthState.perms.contains(perm), nav_link(text, href))
                  for text, href, perm in STAFF_LINKS],
                rx.cond(AuthState.is_field_agent,  # a static page (assets/agent/): full load
                        nav_link("Field capture", "/agent/", reload_document=True)),
                rx.cond(AuthState.is_dealer, nav_link("Dealer", "/dealer")),
                *[rx.cond(AuthState.perms.contains(perm), nav_link(text, href))
                  for text, href, perm in ADMIN_LINKS],
                rx.cond(
                    AuthState.is_signed_in,
                    rx.flex(
                        rx.text(AuthState.user_name, " · ", AuthState.role_label, color="white",
                                size="2", id="signed-in-as"),
                        rx.button("Sign out", on_click=AuthState.sign_out, variant="outline",
                                  color_scheme="gray", size="1", style={"color": "white"}),
                        spacing="2", align="center"),
                    rx.flex(nav_link("Sign in", routes.SIGN_IN), nav_link("Sign up", "/signup")),
                ),
                spacing="2", align="center", wrap="wrap",
            ),
            justify="between", align="center", wrap="wrap", spacing="2",
            max_width="72rem", margin="0 auto", padding="0.75em 1em",
        ),
        background=AuthState.brand_primary, role="banner", id="brand-header",
    )


def footer() -> rx.Component:
    """The lender's legal text and support contact (published branding)."""
    return brand_footer(AuthState.brand_legal, AuthState.brand_email, AuthState.brand_phone,
                        id="brand-footer")


def brand_footer(legal, email, phone, **props) -> rx.Component:
    return rx.el.footer(
        rx.flex(
            rx.cond((email != "") | (phone != ""), rx.text(
                "Support: ", rx.cond(email != "", rx.link(email, href="mailto:" + email)),
                rx.cond((email != "") & (phone != ""), " · ", ""), phone, size="2")),
            rx.cond(legal != "", rx.text(legal, size="1", color="#4a5568",
                                         white_space="pre-wrap")),
            direction="column", spacing="1", max_width="72rem", margin="0 auto",
            padding="1em"),
        border_top="1px solid #e2e8f0", role="contentinfo", **props)


def shell(title: str, *children: rx.Component) -> rx.Component:
    return rx.box(
        header(),
        rx.el.main(
            rx.heading(title, size="7", margin_bottom="0.5em", as_="h1"),
            *children,
            max_width="72rem", margin="0 auto", padding="1em", width="100%",
        ),
        footer(),
        min_height="100vh", background="#f7f8fa",
    )

"""Admin: portal branding. The lender's name, colours, logo, support contact, legal footer and
disclosure texts; a live preview of the header and footer with the draft values; save as a
draft (validated: the contrast rule, the logo by its bytes), publish. The borrower, dealer and
agent portals show the published version on their next page load, without a redeploy."""
import reflex as rx

from domain.configuration import branding as rules
from domain.kernel.errors import DomainError, ValidationError
from domain.configuration import branding_versions as branding
from ui.components import alert, card, table
from ui.layout import brand_footer
from ui.protected import ProtectedState, protected_page
from ui.state import AuthState

FIELDS = ("name", "primary", "accent", "support_email", "support_phone", "legal")


class BrandingState(ProtectedState, AuthState):
    f_name: str = ""
    f_primary: str = ""
    f_accent: str = ""
    f_support_email: str = ""
    f_support_phone: str = ""
    f_legal: str = ""
    f_autopay: str = ""
    f_esign: str = ""
    preview_logo: str = ""  # the logo the draft will carry (published one until a new upload)
    draft_version: int = 0
    errors: list[str] = []
    notice: str = ""
    versions: list[dict[str, str]] = []

    def _refresh(self, actor) -> None:
        self.versions = [{"version": str(v["version"]), "status": v["status"],
                          "name": v["definition"].get("name", ""),
                          "primary": v["definition"].get("primary", ""),
                          "logo": (v["logo_sha256"] or "")[:12],
                          "created": v["created_at"].strftime("%Y-%m-%d %H:%M"),
                          "published": v["published_at"].strftime("%Y-%m-%d %H:%M")
                          if v["published_at"] else ""}
                         for v in branding.versions(actor)]

    def _load_page(self, actor):
        self.errors, self.notice, self.draft_version = [], "", 0
        b = branding.current()
        for k in FIELDS:
            setattr(self, f"f_{k}", b[k])
        self.f_autopay = b["disclosures"].get("autopay", "")
        self.f_esign = b["disclosures"].get("esign", "")
        self.preview_logo = b["logo_url"]
        self._refresh(actor)

    @rx.event
    def set_field(self, name: str, value: str):
        setattr(self, f"f_{name}", value)
        self.draft_version = 0  # a changed form must be saved again before publishing

    def _data(self) -> dict:
        return {**{k: getattr(self, f"f_{k}") for k in FIELDS},
                "disclosures": {"autopay": self.f_autopay, "esign": self.f_esign}}

    @rx.event
    async def save(self, files: list[rx.UploadFile]):
        self.errors, self.notice = [], ""
        try:
            actor = self._require("branding.edit")
            logo = await files[0].read() if files else None
            self.draft_version = branding.save_draft(actor, self._data(), logo)
            self.preview_logo = branding.preview(actor, self.draft_version)["logo_url"]
        except ValidationError as e:
            self.errors = [f"{k}: {v}" for k, v in e.errors.items()]
            self.draft_version = 0
            return
        except DomainError as e:
            self.errors, self.draft_version = [f"Not saved: {e}"], 0
            return
        self.notice = (f"Saved version {self.draft_version} as a draft. Check the preview, "
                       "then publish it.")
        self._refresh(actor)
        return rx.clear_selected_files("logo-upload")

    @rx.event
    def publish(self):
        self.errors, self.notice = [], ""
        try:
            actor = self._require("branding.edit")
            pending = branding.publish(actor, self.draft_version, "published in the admin")
        except DomainError as e:
            self.errors = [f"Not published: {e}"]
            return
        if pending:  # maker-checker (admin/pages/approvals.py)
            self.notice, self.draft_version = f"Sent for approval: change request {pending}.", 0
            self._refresh(actor)
            return
        self.notice = (f"Published version {self.draft_version}: every portal shows it on its "
                       "next page load.")
        self.draft_version = 0
        self._load_brand()  # this admin's own header too
        self._refresh(actor)


def _text(label: str, name: str, value, **props) -> rx.Component:
    return rx.flex(rx.el.label(label, html_for=f"bf-{name}", style={"fontWeight": 500}),
                   rx.input(id=f"bf-{name}", value=value,
                            on_change=lambda v: BrandingState.set_field(name, v), size="3",
                            **props),
                   direction="column", spacing="1", width="100%")


def _area(label: str, name: str, value, rows: str = "3") -> rx.Component:
    return rx.flex(rx.el.label(label, html_for=f"bf-{name}", style={"fontWeight": 500}),
                   rx.text_area(id=f"bf-{name}", value=value, rows=rows,
                                on_change=lambda v: BrandingState.set_field(name, v)),
                   direction="column", spacing="1", width="100%")


def _colour(label: str, name: str, value) -> rx.Component:
    return rx.flex(
        rx.el.label(label, html_for=f"bf-{name}", style={"fontWeight": 500}),
        rx.flex(
            rx.el.input(type="color", value=value, id=f"bf-{name}-picker",
                        aria_label=f"{label} picker",
                        on_change=lambda v: BrandingState.set_field(name, v),
                        style={"width": "3em", "height": "2.4em", "border": "none"}),
            rx.input(id=f"bf-{name}", value=value, placeholder="#RRGGBB", size="3",
                     on_change=lambda v: BrandingState.set_field(name, v), max_length=7),
            spacing="2", align="center"),
        direction="column", spacing="1")


def preview_card(s) -> rx.Component:
    return card(
        rx.heading("Preview (draft values)", size="4", as_="h2"),
        rx.box(
            rx.flex(
                rx.cond(s.preview_logo != "",
                        rx.image(src=s.preview_logo, alt="", height="2em", width="auto")),
                rx.heading(s.f_name, size="5", color="white", as_="div"),
                rx.spacer(),
                rx.badge("Apply", style={"background": s.f_accent, "color": "white"}),
                spacing="2", align="center", padding="0.75em 1em"),
            background=s.f_primary, id="brand-preview-header", border_radius="6px 6px 0 0"),
        brand_footer(s.f_legal, s.f_support_email, s.f_support_phone, id="brand-preview-footer"),
        rx.cond(s.f_autopay != "", rx.text("Autopay notice: ", s.f_autopay, size="1")),
        rx.cond(s.f_esign != "", rx.text("E-sign notice: ", s.f_esign, size="1")),
        id="brand-preview")


@protected_page("/admin/branding", "branding.edit", state=BrandingState,
                title="Portal branding · Lendbook admin", heading="Portal branding")
def branding_page() -> rx.Component:
    s = BrandingState
    return rx.flex(
        card(rx.flex(
            rx.text("What the borrower, dealer and field-agent portals show. White text sits "
                    "on the primary colour, so it needs a contrast ratio of at least "
                    f"{rules.MIN_CONTRAST}:1. Logo: PNG or JPEG, at most "
                    f"{rules.LOGO_MAX_BYTES // 1024} KB and {rules.LOGO_MAX_SIDE}×"
                    f"{rules.LOGO_MAX_SIDE} pixels.", size="2"),
            _text("Lender name", "name", s.f_name, max_length=rules.NAME_MAX),
            rx.flex(_colour("Primary colour (header)", "primary", s.f_primary),
                    _colour("Accent colour", "accent", s.f_accent), spacing="4",
                    wrap="wrap"),
            rx.flex(_text("Support e-mail", "support_email", s.f_support_email),
                    _text("Support phone", "support_phone", s.f_support_phone),
                    spacing="4"),
            _area("Legal footer", "legal", s.f_legal),
            _area("Autopay disclosure", "autopay", s.f_autopay),
            _area("E-sign disclosure", "esign", s.f_esign),
            rx.el.label("Logo", html_for="logo-upload", style={"fontWeight": 500}),
            rx.upload(rx.text("Choose a new PNG or JPEG logo (optional; otherwise the "
                              "current one is kept)"),
                      id="logo-upload",  # any file: the server judges it by its bytes
                      max_files=1, border="1px dashed #718096", padding="1em"),
            rx.foreach(rx.selected_files("logo-upload"), rx.text),
            rx.flex(
                rx.button("Save draft", id="brand-save", size="3",
                          on_click=s.save(rx.upload_files(upload_id="logo-upload"))),
                rx.button("Publish draft", id="brand-publish", size="3",
                          color_scheme="green", on_click=s.publish,
                          disabled=s.draft_version == 0),
                spacing="2"),
            rx.cond(s.errors.length() > 0, rx.box(
                rx.el.ul(rx.foreach(s.errors, rx.el.li)), role="alert", id="brand-errors",
                color="#9b2c2c", background="#fff5f5", border="1px solid #feb2b2",
                border_radius="6px", padding="0.5em 1em")),
            alert(s.notice, color="green", id="brand-notice"),
            direction="column", spacing="3")),
        preview_card(s),
        card(rx.heading("Versions", size="4", as_="h2"),
             table(["Version", "Status", "Name", "Primary", "Logo", "Saved", "Published"],
                   s.versions, lambda r: rx.table.row(*[rx.table.cell(r[k]) for k in (
                       "version", "status", "name", "primary", "logo", "created",
                       "published")]), "Branding versions")),
        direction="column", spacing="4")

"""Landing page: what Lendbook offers and where each role goes next."""
import reflex as rx

from domain.kernel.money import fmt
from domain.configuration import products
from ui.components import card
from ui.layout import shell
from ui.state import AuthState


class HomeState(AuthState):
    offers: list[dict[str, str]] = []

    @rx.event
    def load(self):
        self._actor()
        self.offers = [{"name": p.name, "rate": f"{p.terms.annual_rate}%",
                        "range": f"{fmt(p.terms.min_amount_minor)} to {fmt(p.terms.max_amount_minor)}",
                        "term": f"{p.terms.min_term}-{p.terms.max_term} {p.terms.frequency} payments"}
                       for p in products.list_products()]


def offer(o) -> rx.Component:
    return card(rx.heading(o["name"], size="4", as_="h2"),
                rx.text("Borrow ", o["range"]), rx.text(o["term"]),
                rx.text("Rate ", o["rate"], " fixed"), flex="1", min_width="16rem")


@rx.page(route="/", title="Lendbook", on_load=HomeState.load)
def index() -> rx.Component:
    return shell(
        "Loans that make sense",
        rx.text("Apply in minutes, get a decision at once, and follow every payment.", size="4"),
        rx.flex(rx.foreach(HomeState.offers, offer), spacing="3", wrap="wrap", margin_y="1em"),
        rx.cond(
            AuthState.is_signed_in,
            rx.cond(AuthState.is_borrower,
                    rx.link(rx.button("Apply now", size="3"), href="/apply")),
            rx.flex(rx.link(rx.button("Create an account", size="3"), href="/signup"),
                    rx.link(rx.button("Sign in", size="3", variant="outline"), href="/login"),
                    spacing="3"),
        ),
    )

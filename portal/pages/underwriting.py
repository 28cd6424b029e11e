"""Underwriting queue: applications waiting for a person (underwriting review, custom review
stages, funding approval, and signed applications held for a check), oldest first."""
import reflex as rx

from domain.kernel.errors import DomainError
from domain.origination import application_view, underwriting
from portal import underwriting_view as view
from portal.components.layout import denied, shell
from portal.components.underwriting import queue_filter, queue_table
from portal.state import AuthState


class UnderwritingQueueState(AuthState):
    denied: str = ""
    rows: list[dict[str, str]] = []
    stage_choices: list[list[str]] = [["", "All stages"]]
    stage_filter: str = ""
    total: int = 0
    loaded: bool = False

    def _refresh(self, actor) -> None:
        everything = underwriting.queue(actor)
        names = application_view.stage_names(actor, [r.application_id for r in everything])
        self.total = len(everything)
        self.stage_choices = view.stage_choices(everything, names)
        if self.stage_filter not in [c[0] for c in self.stage_choices]:
            self.stage_filter = ""
        shown = [r for r in everything if not self.stage_filter or r.stage == self.stage_filter]
        self.rows = view.queue_rows(shown, names)
        self.loaded = True

    @rx.event
    def load(self):
        self.loaded = False
        try:
            actor = self._require("application.view")
            self._refresh(actor)
        except DomainError as e:
            self.denied, self.rows = f"Access refused: {e}.", []
            return None if self.is_signed_in else rx.redirect("/login?next=/underwriting")
        self.denied = ""

    @rx.event
    def filter_stage(self, value: str):
        self.stage_filter = value
        try:
            self._refresh(self._require("application.view"))
        except DomainError as e:
            self.denied, self.rows = f"Access refused: {e}.", []


@rx.page(route="/underwriting", title="Underwriting · Lendbook",
         on_load=UnderwritingQueueState.load)
def underwriting_queue() -> rx.Component:
    s = UnderwritingQueueState
    return shell("Underwriting", rx.cond(
        s.denied != "", denied(s.denied),
        rx.cond(s.loaded, rx.flex(
            rx.text("Applications waiting for a person, oldest first: referred applications "
                    "to review, custom review stages, funding approvals, and signed "
                    "applications held for a check.", size="2", color="#4a5568"),
            queue_filter(s.stage_choices, s.stage_filter, s.filter_stage, s.rows.length(),
                         s.total),
            queue_table(s.rows),
            direction="column", spacing="3"), rx.spinner(size="3")),
    ))

"""Underwriting queue: applications waiting for a person (underwriting review, custom review
stages, funding approval, and signed applications held for a check), oldest first."""
import reflex as rx

from domain.kernel.errors import DomainError
from domain.origination import application_view, underwriting
from portal import underwriting_view as view
from portal.components.underwriting import queue_filter, queue_table
from ui.protected import ProtectedState, protected_page
from ui.state import AuthState


class UnderwritingQueueState(ProtectedState, AuthState):
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

    def _load_page(self, actor):
        self.loaded = False
        self._refresh(actor)

    def _refuse(self, error: DomainError) -> None:
        super()._refuse(error)
        self.rows = []  # a refused user's state holds no queue

    @rx.event
    def filter_stage(self, value: str):
        self.stage_filter = value
        try:
            self._refresh(self._require("application.view"))
        except DomainError as e:
            self.denied, self.rows = f"Access refused: {e}.", []


@protected_page("/underwriting", "application.view", state=UnderwritingQueueState,
                title="Underwriting · Lendbook", heading="Underwriting")
def underwriting_queue() -> rx.Component:
    s = UnderwritingQueueState
    return rx.cond(s.loaded, rx.flex(
        rx.text("Applications waiting for a person, oldest first: referred applications "
                "to review, custom review stages, funding approvals, and signed "
                "applications held for a check.", size="2", color="#4a5568"),
        queue_filter(s.stage_choices, s.stage_filter, s.filter_stage, s.rows.length(),
                     s.total),
        queue_table(s.rows),
        direction="column", spacing="3"), rx.spinner(size="3"))

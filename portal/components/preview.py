"""The before/after preview of a servicing command (domain/servicing/preview.py) on the
servicer's loan page: what a payment, a reversal or a modification would change, shown without
recording anything. `preview_view` turns the domain's Preview into display rows (the page keeps
them in its state); `preview_panel` draws them; `submit_buttons` puts "Preview" beside a form's
real button and `with_intent` tells the handler which of the two submitted the form."""
from datetime import date

import reflex as rx

from domain.kernel.money import fmt

# The button that submitted the form (SubmitEvent.submitter), read in the form's submit
# callback, where Reflex names the DOM event `ev`: "preview" or the real button's value.
SUBMITTER = rx.Var("(ev?.nativeEvent?.submitter?.value ?? '')", _var_type=str)
PREVIEW = "preview"

BALANCE_ROWS = (("Principal", "principal_minor"), ("Interest accrued", "interest_accrued_minor"),
                ("Interest paid ahead", "interest_paid_ahead_minor"), ("Fees", "fees_minor"),
                ("Held in advance", "advance_minor"), ("Payoff", "payoff_minor"))
TITLES = {"payment": "Preview of this payment", "reversal": "Preview of this reversal",
          "modification": "Preview of this modification"}
RECORD = {"payment": "Record payment", "reversal": "Reverse payment",
          "modification": "Apply modification"}
FEE_NAMES = {"late": "late fee", "nsf": "returned payment fee"}
SR_ONLY = {"position": "absolute", "width": "1px", "height": "1px", "overflow": "hidden",
           "clip": "rect(0 0 0 0)", "whiteSpace": "nowrap"}  # read out, not drawn
EMPTY = {"of": "", "title": "", "notes": [], "balances": [], "installments": [], "fees": [],
         "entries": []}  # no preview shown


def with_intent(handler):
    """on_submit for a form with a Preview button: the handler gets (form, intent)."""
    return lambda form: handler(form, SUBMITTER)


def preview_view(p) -> dict:
    """Display rows of a domain Preview: balances (changed rows flagged), installments that
    change, fees charged or removed, and the journal entries one line per posting."""
    changed = "yes"

    def row(label, before, after):
        return {"label": label, "before": before, "after": after,
                "changed": changed if before != after else ""}
    b, a = p.before, p.after
    balances = [row(label, fmt(getattr(b, f)), fmt(getattr(a, f))) for label, f in BALANCE_ROWS]
    balances += [row("Status", b.status.replace("_", " "), a.status.replace("_", " ")),
                 row("Days past due", str(b.days_past_due), str(a.days_past_due)),
                 row("Bucket", b.bucket, a.bucket)]
    notes = [f"Balances on {p.as_of}. Nothing has been recorded; “{RECORD[p.command]}” "
             "records it."]
    if p.replayed_from:
        notes.append(f"Dated before the last closed business date: the loan's history is "
                     f"replayed from {p.replayed_from} (later payments applied again, late "
                     f"fees and days past due derived again).")
    if p.already_done:
        notes.append("This request was recorded already: doing it again changes nothing.")

    def moved(before, after):
        return before if before == after else f"{before} → {after}"
    installments = [{
        "number": str(i.number),
        "due_date": moved(str(i.due_date_before or "–"), str(i.due_date_after or "–")),
        "due": moved(fmt(i.due_before_minor), fmt(i.due_after_minor)),
        "paid": moved(fmt(i.paid_before_minor), fmt(i.paid_after_minor)),
        "status": moved(i.status_before or "–", i.status_after or "–")}
        for i in p.installments]
    fees = [f"{f.action.capitalize()}: {FEE_NAMES.get(f.kind, f.kind)} {fmt(f.amount_minor)}"
            + (f", installment {f.installment}" if f.installment else "")
            + (f", charged {f.on}" if f.action == "removed" else f", effective {f.on}")
            for f in p.fees]
    entries = [{"entry": e.entry_id, "what": f"{e.code}, effective {e.effective_date}",
                "account": account, "debit": fmt(amount) if amount > 0 else "",
                "credit": fmt(-amount) if amount < 0 else "", "first": "yes" if n == 0 else ""}
               for e in p.entries for n, (account, amount) in enumerate(e.lines)]
    return {"of": p.command, "title": TITLES[p.command], "notes": notes, "balances": balances,
            "installments": installments, "fees": fees, "entries": entries}


def backdated_hint(typed: str, today) -> str:
    """What the payment form says while its date (as typed, YYYY-MM-DD) is before today."""
    try:
        on = date.fromisoformat(typed) if typed else None
    except ValueError:
        return ""
    return (f"Received before today: the loan's history from {on} will be replayed (later "
            "payments applied again, late fees and days past due derived again). Preview "
            "shows what changes." if on and on < today else "")


def submit_buttons(label: str, **props) -> rx.Component:
    """The real button first (Enter in a field submits with it, as before), Preview beside."""
    return rx.flex(
        rx.button(label, type="submit", value="record", size="3", **props),
        rx.button("Preview", type="submit", value=PREVIEW, size="3", variant="outline"),
        spacing="3", wrap="wrap")


def _table(caption: str, headers: list[str], rows, row_fn, **props) -> rx.Component:
    """A captioned table scrolling in its own box, so a phone's page never scrolls sideways."""
    return rx.box(
        rx.table.root(
            rx.el.caption(caption, style={"textAlign": "left", "fontWeight": 600,
                                          "padding": "0.4em 0.75em"}),
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
            rx.table.body(rx.foreach(rows, row_fn)),
            variant="surface", size="1"),
        overflow_x="auto", width="100%", tab_index=0, aria_label=caption, role="group",
        **props)  # focusable: a keyboard can scroll it too


def _balance_row(r) -> rx.Component:
    strong = rx.cond(r["changed"] == "yes", "700", "400")
    return rx.table.row(
        rx.table.row_header_cell(r["label"], font_weight=strong),
        rx.table.cell(r["before"]),
        rx.table.cell(r["after"], rx.cond(r["changed"] == "yes",
                                           rx.el.span(" (changes)", style=SR_ONLY)),
                      font_weight=strong),
        data_changed=r["changed"],
        background=rx.cond(r["changed"] == "yes", "var(--amber-3)", "transparent"))


def _installment_row(r) -> rx.Component:
    return rx.table.row(*[rx.table.cell(r[k]) for k in
                          ("number", "due_date", "due", "paid", "status")])


def _entry_row(r) -> rx.Component:
    """An entry's first line names it (code, effective date, id); its other lines do not."""
    return rx.table.row(
        rx.table.cell(rx.cond(r["first"] == "yes", rx.flex(
            rx.text(r["what"], size="1", weight="medium"),
            rx.code(r["entry"], size="1", style={"wordBreak": "break-all"}),
            direction="column", spacing="1"))),
        rx.table.cell(r["account"]), rx.table.cell(r["debit"]), rx.table.cell(r["credit"]),
        border_top=rx.cond(r["first"] == "yes", "2px solid var(--gray-6)", "none"))


def preview_panel(title, notes, balances, installments, fees, entries,
                  panel_id: str) -> rx.Component:
    """A preview (the page's vars holding preview_view's parts) as a labelled region."""
    return rx.box(
        rx.heading(title, size="3", as_="h3", id=f"{panel_id}-heading"),
        rx.foreach(notes, lambda n: rx.text(n, size="2")),
        _table("Balances before and after", ["Balance", "Before", "After"], balances,
               _balance_row, id=f"{panel_id}-balances"),
        rx.cond(installments.length() > 0, _table(
            "Installments that change", ["#", "Due date", "Amount due", "Paid", "Status"],
            installments, _installment_row, id=f"{panel_id}-installments")),
        rx.heading("Fees charged or removed", size="2", as_="h4"),
        rx.cond(fees.length() > 0,
                rx.list.unordered(rx.foreach(fees, rx.list.item), id=f"{panel_id}-fees"),
                rx.text("None.", size="2", id=f"{panel_id}-fees")),
        rx.cond(entries.length() > 0, _table(
            "Journal entries to be written", ["Entry", "Account", "Debit", "Credit"], entries,
            _entry_row,
            id=f"{panel_id}-entries"),
            rx.text("No journal entry would be written.", size="2")),
        id=panel_id, role="region", aria_labelledby=f"{panel_id}-heading", aria_live="polite",
        padding="0.75em", border="1px dashed var(--gray-8)", border_radius="8px",
        width="100%", style={"display": "flex", "flexDirection": "column", "gap": "0.5em"})

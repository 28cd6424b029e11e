"""Stateless pieces of multi-step forms and workflows: a step indicator, fields that show
their saved value and their own error, and a stage tracker."""
import reflex as rx

INPUT_STYLE = {"padding": "0.6em", "borderRadius": "6px", "border": "1px solid #a0aec0",
               "background": "white", "fontSize": "1rem"}


def stepper(names: list[str], current) -> rx.Component:
    """Step n of N with the names; the current one is announced to screen readers."""
    return rx.el.ol(
        *[rx.el.li(
            rx.flex(
                rx.box(str(i + 1), width="1.8em", height="1.8em", border_radius="50%",
                       text_align="center", line_height="1.8em", font_weight="bold",
                       color="white",
                       background=rx.cond(current >= i, "#1d3557", "#a0aec0")),
                rx.text(name, size="2", weight=rx.cond(current == i, "bold", "regular")),
                spacing="2", align="center"),
            aria_current=rx.cond(current == i, "step", "false"),
            style={"listStyle": "none"}) for i, name in enumerate(names)],
        style={"display": "flex", "flexWrap": "wrap", "gap": "0.9em", "padding": 0,
               "margin": 0}, aria_label="Application steps", id="stepper")


def _error(name: str, errors) -> rx.Component:
    return rx.cond(errors.contains(name),
                   rx.text(errors[name], color="#b71c1c", size="2", id=f"{name}-error",
                           role="alert"))


def step_field(label: str, name: str, values, errors, type_: str = "text", **props):
    return rx.flex(
        rx.el.label(label, html_for=name, style={"fontWeight": 500}),
        rx.input(id=name, name=name, type=type_, size="3",
                 default_value=values.get(name, "").to(str),
                 aria_invalid=rx.cond(errors.contains(name), "true", "false"),
                 aria_describedby=f"{name}-error", **props),
        _error(name, errors), direction="column", spacing="1", width="100%")


def step_select(label: str, name: str, options, values, errors):
    opts = (rx.foreach(options, lambda o: rx.el.option(o[1], value=o[0]))
            if isinstance(options, rx.Var)
            else [rx.el.option(text, value=value) for value, text in options])
    return rx.flex(
        rx.el.label(label, html_for=name, style={"fontWeight": 500}),
        rx.el.select(opts, id=name, name=name, default_value=values.get(name, "").to(str),
                     style=INPUT_STYLE),
        _error(name, errors), direction="column", spacing="1", width="100%")


STAGE_COLORS = {"done": "#1b5e20", "current": "#1d3557", "upcoming": "#718096",
                "skipped": "#a0aec0", "closed": "#a0aec0"}


def stage_tracker(stages) -> rx.Component:
    """The workflow's stages with done / current / upcoming / skipped."""
    def one(st):
        return rx.el.li(rx.flex(
            rx.box(width="0.9em", height="0.9em", border_radius="50%",
                   background=rx.match(st["state"], *STAGE_COLORS.items(), "#718096")),
            rx.text(st["name"], size="2",
                    weight=rx.cond(st["state"] == "current", "bold", "regular"),
                    text_decoration=rx.cond(st["state"] == "skipped", "line-through", "none")),
            rx.text("(", st["state"], ")", size="1", color="#4a5568"),
            spacing="2", align="center"),
            aria_current=rx.cond(st["state"] == "current", "step", "false"),
            style={"listStyle": "none"})
    return rx.el.ol(rx.foreach(stages, one), id="stage-tracker",
                    aria_label="Application progress",
                    style={"display": "flex", "flexWrap": "wrap", "gap": "1em",
                           "padding": 0, "margin": 0})

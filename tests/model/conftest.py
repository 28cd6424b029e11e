"""The model's summary at the end of the session: examples (sequences) and steps run."""


def pytest_terminal_summary(terminalreporter):
    from tests.model.test_book import STATS, SUMMARY
    if not STATS:
        return
    terminalreporter.section("model-based proof of the book")
    for name, value in sorted(STATS.items()):
        terminalreporter.write_line(f"{name}: {value}")
    terminalreporter.write_line(f"(written to {SUMMARY})")

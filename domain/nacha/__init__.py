"""NACHA (ACH) files: build debit files, parse any file strictly, read returns and NOCs.

Pure: no database, no network. Written here rather than taken from PyPI: the maintained
candidates (achkit 0.2, 2026) parse addenda 98/99 as an opaque 80-character string, report
errors without a line, and know no dishonored or contested returns; the others (ach 0.2,
carta-ach 0.4.5, nacha, py-nacha, pyach, pynacha, ach-file) had their last release between
2014 and 2023 and lack return/NOC parsing or validation; achlens is a validator that pulls
in an MCP server.
"""

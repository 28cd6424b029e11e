"""NACHA (ACH) files: build debit files, parse any file strictly, read returns and NOCs.

Pure: no database, no network. Written here rather than taken from PyPI: the one recent
candidate (achkit 0.2, 2026) parses addenda 98/99 as an opaque 80-character string, reports
errors without a line, and knows no dishonored or contested returns; the others (ach 0.2,
carta-ach 0.4.5, nacha, py-nacha, pyach, pynacha, ach-file) had their last release between
2014 and 2023 and lack return/NOC parsing or validation; achlens is a validator that pulls
in an MCP server.
"""
from domain.nacha.build import BuiltFile, DebitEntry, Originator, build_debit_file
from domain.nacha.codes import CHANGE_CODES, RETURN_CODES, ReturnPolicy, return_policy
from domain.nacha.model import AchFile
from domain.nacha.parse import NachaFormatError, parse
from domain.nacha.returns import (
    ReturnItem,
    build_noc_file,
    build_return_file,
    match_returns,
    return_items,
)
from domain.nacha.writer import FileTotals

__all__ = ["AchFile", "BuiltFile", "CHANGE_CODES", "DebitEntry", "FileTotals",
           "NachaFormatError", "Originator", "RETURN_CODES", "ReturnItem", "ReturnPolicy",
           "build_debit_file", "build_noc_file", "build_return_file", "match_returns", "parse",
           "return_items", "return_policy"]

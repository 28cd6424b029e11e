"""Addenda records (type 7): payment information (05), notification of change (98), return
(99) in its three layouts, told apart by the reason code (dishonored R61-R70, contested
R71-R77)."""
from domain.nacha import records as rec
from domain.nacha.codes import CHANGE_CODES, CONTESTED_CODES, DISHONORED_CODES
from domain.nacha.model import Addenda, yymmdd

_RETURN_LAYOUTS = {
    "dishonored": (rec.ADDENDA_99_DISHONORED, "dishonored_return_reason_code"),
    "contested": (rec.ADDENDA_99_CONTESTED, "contested_return_reason_code"),
    "return": (rec.ADDENDA_99, "return_reason_code")}


def read_addenda(n: int, line: str, entry_trace: str,
                 sec_code: str) -> tuple[Addenda | None, list[tuple[str, str]]]:
    """One addenda record of the entry traced `entry_trace` -> (Addenda, [(field, reason)])."""
    kind = line[1:3]
    if kind == "99":
        return _return(n, line)
    if kind == "98":
        v, errors = rec.slice_record(rec.ADDENDA_98, line)
        if v["change_code"] not in CHANGE_CODES and v["change_code"]:
            errors.append(("change_code", f"'{v['change_code']}' is not a change code "
                                          "(C01-C14)"))
        if sec_code != "COR":
            errors.append(("addenda_type_code", "a notification of change (98) outside a COR "
                                                "batch"))
        return Addenda(n, kind, "noc", v["change_code"], v["original_entry_trace_number"],
                       v["original_rdfi_identification"], "", v["corrected_data"], "",
                       v["trace_number"], line), errors
    if kind == "05":
        v, errors = rec.slice_record(rec.ADDENDA_05, line)
        if v["entry_detail_sequence_number"] != entry_trace[-7:]:
            errors.append(("entry_detail_sequence_number",
                           f"must be {entry_trace[-7:]}, the entry's trace sequence"))
        return Addenda(n, kind, "payment", "", "", "", "", "", v["payment_related_information"],
                       v["entry_detail_sequence_number"], line), errors
    return None, [("addenda_type_code", f"'{kind}' is not supported (05, 98, 99)")]


def _return(n: int, line: str) -> tuple[Addenda, list[tuple[str, str]]]:
    code = line[3:6]
    kind = ("dishonored" if code in DISHONORED_CODES else
            "contested" if code in CONTESTED_CODES else "return")
    layout, code_field = _RETURN_LAYOUTS[kind]
    v, errors = rec.slice_record(layout, line)
    if code.strip() and not (code[0] == "R" and code[1:].isdigit()):
        errors.append((code_field, f"'{code}' is not a return reason code (R01-R99)"))
    death = v.get("date_of_death", "")
    if death and yymmdd(death) is None:
        errors.append(("date_of_death", f"'{death}' is not a date"))
    return Addenda(n, "99", kind, code, v["original_entry_trace_number"],
                   v["original_rdfi_identification"], death, "",
                   v.get("addenda_information", ""), v["trace_number"], line), errors

"""The local deterministic bureau: the same applicant always gets the same report, with no
network, so origination runs offline and tests are repeatable.

Rules (documented in docs/origination/index.md, Credit bureau and KYC):
- by the last four SSN digits: `0000` thin file (no score), `6666` fraud flag (synthetic
  identity), `9999` KYC fails (identity not verified), `1111` a score of 540, `2222` a score of
  610, `8888` a score of 800; any other: a score of 580-829 derived from a hash of the identity;
- a JSON file at LENDBOOK_BUREAU_FIXTURES may map SSN last-4 to report fields to override these.
"""
import hashlib
import json
from dataclasses import replace

from domain.origination.bureau import Applicant, BureauReport

FIXED = {"0000": {"score": None, "thin_file": True, "tradelines": 0,
                  "reasons": ("Insufficient credit history",)},
         "6666": {"fraud_flags": ("synthetic_identity",)},
         "9999": {"kyc_passed": False, "reasons": ("Identity could not be verified",)},
         "1111": {"score": 540, "reasons": ("Serious delinquency", "Too many recent inquiries")},
         "2222": {"score": 610, "reasons": ("Proportion of balances to credit limits too high",)},
         "8888": {"score": 800}}


class LocalBureau:
    def __init__(self, overrides: dict[str, dict] | None = None):
        self.overrides = {**FIXED, **(overrides or {})}

    @classmethod
    def from_fixtures(cls, path=None) -> "LocalBureau":
        """With LENDBOOK_BUREAU_FIXTURES' overrides (a JSON file) when a path is given."""
        if not path:
            return cls()
        with open(path, encoding="utf-8") as f:
            return cls(json.load(f))

    def pull(self, applicant: Applicant, purpose: str) -> BureauReport:
        key = "|".join((applicant.first_name.lower(), applicant.last_name.lower(),
                        applicant.date_of_birth, applicant.ssn_last4, applicant.postal_code))
        digest = hashlib.sha256(key.encode()).digest()
        report = BureauReport(
            provider="local", reference="LB-" + digest[:6].hex().upper(),
            score=580 + int.from_bytes(digest[:2], "big") % 250, thin_file=False,
            tradelines=3 + digest[2] % 12, monthly_debt_minor=(digest[3] % 40) * 2500)
        fields = dict(self.overrides.get(applicant.ssn_last4, {}))
        for name in ("fraud_flags", "reasons"):
            if name in fields:
                fields[name] = tuple(fields[name])
        return replace(report, **fields)

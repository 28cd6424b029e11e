"""The credit bureau / KYC port: what origination needs from a bureau, as value objects.

Real providers plug in behind `BureauPort` (an adapter in `integrations/bureau/`); the default
is the local deterministic provider, so the whole flow runs offline and tests are repeatable.
"""
from dataclasses import asdict, dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Applicant:
    """What a bureau is asked about: identity only, never the whole application."""
    first_name: str
    last_name: str
    date_of_birth: str  # YYYY-MM-DD
    ssn_last4: str
    postal_code: str


@dataclass(frozen=True)
class BureauReport:
    provider: str
    reference: str  # the provider's id for this pull
    score: int | None  # None: no score (thin file)
    thin_file: bool
    fraud_flags: tuple[str, ...] = ()
    kyc_passed: bool = True
    tradelines: int = 0
    monthly_debt_minor: int = 0  # obligations on file, for debt-to-income
    reasons: tuple[str, ...] = field(default_factory=tuple)  # key factors (adverse action)

    def facts(self) -> dict:
        """The fields decision rules see as `bureau.*` and `kyc.*`."""
        return {"bureau": {"score": self.score, "thin_file": self.thin_file,
                           "fraud_flag": bool(self.fraud_flags),
                           "fraud_flags": list(self.fraud_flags),
                           "tradelines": self.tradelines,
                           "monthly_debt": self.monthly_debt_minor / 100},
                "kyc": {"passed": self.kyc_passed}}

    def to_dict(self) -> dict:
        d = asdict(self)
        d["fraud_flags"], d["reasons"] = list(self.fraud_flags), list(self.reasons)
        return d


class BureauPort(Protocol):
    def pull(self, applicant: Applicant, purpose: str) -> BureauReport: ...

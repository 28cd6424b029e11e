"""The permission catalogue: everything a backend action may be refused for, by code.

Pure data. Roles (domain/access/roles.py) are sets of these codes kept in the database; the
built-in roles below are seeded by migration 0009 with exactly the behaviour each role had when
a user had a single role string. Borrowers' own-data access (a borrower sees only their own
loans) is an ownership check made on top of the `self.*` permissions.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Permission:
    code: str
    label: str
    description: str
    group: str


_P = Permission
CATALOGUE: tuple[Permission, ...] = (
    _P("self.apply", "Apply for a loan", "Borrower: apply, save drafts, accept an offer, sign "
       "and follow their own applications", "Borrower self-service"),
    _P("self.loans", "See own loans", "Borrower: their own loans, schedules, receipts, "
       "notices and payment history", "Borrower self-service"),
    _P("self.pay", "Pay own loans", "Borrower: pay, manage autopay and bank accounts on their "
       "own loans", "Borrower self-service"),
    _P("dealer.submit", "Submit point-of-sale applications", "Dealer portal: submit "
       "applications for customers and see the organisation's", "Origination"),
    _P("agent.capture", "Capture applications in the field", "Field capture page and API: "
       "submit applications and see the organisation's", "Origination"),
    _P("application.view", "View applications", "Underwriting queue and any application's "
       "detail, decision and history", "Origination"),
    _P("application.decide", "Act on application stages", "Decide, verify, add conditions and "
       "complete the workflow stages the workflow assigns to the role", "Origination"),
    _P("application.override", "Act at any open stage", "Act on an application at a stage the "
       "workflow does not assign to the role", "Origination"),
    _P("application.fund", "Fund and track disbursements", "Record disbursement progress of "
       "booked loans", "Origination"),
    _P("document.view", "View any application's documents", "Download documents of any "
       "application (borrowers and submitters always see their own)", "Origination"),
    _P("loan.view", "View any loan", "Servicing console: every loan, its ledger, payments, "
       "receipts and the book by delinquency bucket", "Servicing"),
    _P("payment.post", "Post payments", "Record received payments and refunds", "Servicing"),
    _P("payment.reverse", "Reverse payments", "Reverse a posted payment (returns, errors)",
       "Servicing"),
    _P("loan.modify", "Modify loans", "Payment holidays, term changes and other modifications",
       "Servicing"),
    _P("bank_files.manage", "Manage bank files", "Generate ACH debit files, process return "
       "files, download bank files", "Servicing"),
    _P("onboarding.board", "Board loans", "Upload, check and book loan files; manual loan "
       "entry; onboarding mappings", "Servicing"),
    _P("ledger.view", "View the trial balance", "The general ledger trial balance", "Finance"),
    _P("gl.manage", "Manage the GL mapping", "Edit and publish the GL account mapping, "
       "reconcile", "Finance"),
    _P("export.data", "Export data", "Create and download GL exports", "Finance"),
    _P("cob.run", "Run close of business", "Close a business date (accrual, delinquency)",
       "Finance"),
    _P("product.edit", "Edit products", "Create and change loan products", "Configuration"),
    _P("rules.view", "View rule sets and workflows", "Read rule sets and workflows, test a "
       "draft rule set against past applications", "Configuration"),
    _P("rules.edit", "Edit rule sets", "Draft and publish decision rule sets", "Configuration"),
    _P("workflow.edit", "Edit workflows", "Draft and publish application workflows",
       "Configuration"),
    _P("branding.edit", "Edit branding", "Draft, preview and publish portal branding",
       "Configuration"),
    _P("config.approve", "Approve configuration changes", "Approve or reject another admin's "
       "change request; set which kinds need approval", "Configuration"),
    _P("audit.view", "View the audit log", "Search and read the audit log", "Administration"),
    _P("users.manage", "Manage users", "Create users, assign roles and organisations, "
       "deactivate users", "Administration"),
    _P("roles.manage", "Manage roles", "Create roles and edit their permissions",
       "Administration"),
    _P("partners.manage", "Manage API partners", "Create API partners and their keys",
       "Administration"),
)
BY_CODE = {p.code: p for p in CATALOGUE}
CODES = frozenset(BY_CODE)
GROUPS = tuple(dict.fromkeys(p.group for p in CATALOGUE))

_STAFF_VIEW = {"application.view", "application.decide", "document.view", "loan.view"}
_SERVICING = {"payment.post", "payment.reverse", "loan.modify", "bank_files.manage",
              "onboarding.board", "application.fund", "ledger.view"}
_ADMIN = CODES - {"self.apply", "self.loans", "self.pay", "dealer.submit", "agent.capture"}

PORTALS = ("borrower", "dealer", "agent", "staff")


@dataclass(frozen=True)
class BuiltInRole:
    code: str
    name: str
    description: str
    portal: str
    permissions: frozenset[str]


BUILT_IN_ROLES: dict[str, BuiltInRole] = {r.code: r for r in (
    BuiltInRole("borrower", "Borrower", "Applies for and pays their own loans", "borrower",
                frozenset({"self.apply", "self.loans", "self.pay"})),
    BuiltInRole("dealer", "Dealer", "Submits point-of-sale applications for customers",
                "dealer", frozenset({"dealer.submit"})),
    BuiltInRole("field_agent", "Field agent", "Captures applications in the field", "agent",
                frozenset({"agent.capture"})),
    BuiltInRole("underwriter", "Underwriter", "Reviews and decides applications", "staff",
                frozenset(_STAFF_VIEW | {"application.override", "rules.view"})),
    BuiltInRole("servicer", "Servicer", "Services booked loans", "staff",
                frozenset(_STAFF_VIEW | _SERVICING)),
    BuiltInRole("admin", "Admin", "Configures the lender; every staff permission", "staff",
                frozenset(_ADMIN)),
)}
# Not a user role: an API partner's key (portal/api/onboarding.py) acts with this set.
PSEUDO_ROLES = {"api_partner": frozenset({"onboarding.board"})}


def built_in(role: str) -> frozenset[str]:
    """The permissions a built-in (or pseudo) role has; nothing for an unknown code."""
    r = BUILT_IN_ROLES.get(role)
    return r.permissions if r else PSEUDO_ROLES.get(role, frozenset())


def unknown(codes) -> list[str]:
    return sorted(set(codes) - CODES)


def ungrantable(granter: frozenset[str], codes) -> list[str]:
    """The codes among `codes` the granter does not hold: an admin cannot grant what they lack."""
    return sorted(set(codes) - set(granter))


def home_for(portal: str, perms: frozenset[str]) -> str:
    """Where a role lands after sign-in: its portal, and for staff the first console it may use."""
    if portal == "borrower":
        return "/loans"
    if portal == "dealer":
        return "/dealer"
    if portal == "agent":
        return "/"
    for perm, path in (("product.edit", "/admin/products"), ("payment.post", "/servicing"),
                       ("application.view", "/underwriting"), ("loan.view", "/servicing"),
                       ("roles.manage", "/admin/roles"), ("users.manage", "/admin/users")):
        if perm in perms:
            return path
    return "/"

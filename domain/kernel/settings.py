"""Every setting Lendbook reads, as one typed object (pydantic-settings): each environment
variable is a field here, with its default and what it means. Nothing else reads the
environment; the composition root (`composition`) builds the ports from this object,
and the operator guide's settings table is generated from it (`lendbook settings --markdown`).

`load()` reads the environment afresh on each call (tests change it between calls);
`load(environ)` reads only the mapping given."""
import os
import secrets
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]

CORE, JOBS, BUREAU, ACH, DOCUSIGN, STRIPE, FAKES, ONBOARDING = (
    "Core", "Jobs", "Credit bureau", "Bank files (NACHA)", "DocuSign", "Stripe",
    "Local fakes (development)", "Onboarding")


def _f(env: str, default, group: str, meaning: str, shown: str | None = None, **kw):
    """A field read from `env`; `shown` is the default as the docs state it."""
    return Field(default, validation_alias=AliasChoices(env), description=meaning,
                 json_schema_extra={"env": env, "group": group, "shown": shown}, **kw)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_ignore_empty=True, extra="ignore", frozen=True,
                                      populate_by_name=False)

    # --- core ---------------------------------------------------------------------------
    database_url_set: str | None = _f(
        "DATABASE_URL", None, CORE, "SQLAlchemy URL. PostgreSQL: "
        "`postgresql+psycopg://user@host:5432/dbname`", "`sqlite:///./data/lendbook.db`")
    redis_url: str | None = _f(
        "REDIS_URL", None, CORE, "e.g. `redis://127.0.0.1:6379/0`: Reflex keeps UI state in "
        "Redis, so several backend workers (`GRANIAN_WORKERS`) serve one portal. Unset: state "
        "on disk, one worker.", "unset")
    granian_workers: int | None = _f(
        "GRANIAN_WORKERS", None, CORE, "backend worker processes (read by the server, "
        "granian, not by Lendbook); each runs the scheduled jobs, which database locks keep "
        "from running twice",
        "with `REDIS_URL`: 2 × CPUs + 1 (Reflex's default); else 1")
    data_dir: Path = _f("LENDBOOK_DATA_DIR", PROJECT_ROOT / "data", CORE,
                        "SQLite file and generated secrets", "`./data`")
    session_secret_set: str | None = _f(
        "LENDBOOK_SESSION_SECRET", None, CORE, "secret for sign-in sessions; set it in "
        "production", "random, kept in `data/session.secret` (mode 600)", repr=False)
    document_key_set: str | None = _f(
        "LENDBOOK_DOCUMENT_KEY", None, CORE, "key for encrypting stored documents and saved "
        "bank account numbers", "random, kept in `data/document.key` (mode 600)", repr=False)
    port: int = _f("LENDBOOK_PORT", 3000, CORE, "the one port the app serves on (`make run "
                   "PORT=...` sets it; the local fakes take PORT+1 and PORT+2)", "`3000`")
    host: str | None = _f(
        "LENDBOOK_HOST", None, CORE, "the host name `make run` serves on and the local fakes "
        "put in their links and the app's URLs for them, so a phone on the network can follow "
        "them; unset: this machine's name when it resolves beyond loopback, else its first "
        "address", "this machine's name")
    bind: str = _f("LENDBOOK_BIND", "0.0.0.0", CORE, "the address the local fakes listen on",
                   "`0.0.0.0`")
    bulk_fk_check: Literal["auto", "triggers"] = _f(
        "LENDBOOK_BULK_FK_CHECK", "auto", CORE, "PostgreSQL bulk boarding: `auto` checks "
        "foreign keys set-based when the role may set `session_replication_role` (grant it: "
        "`GRANT SET ON PARAMETER session_replication_role TO <role>`, PostgreSQL 15+), "
        "`triggers` always leaves it to PostgreSQL's per-row triggers", "`auto`")

    argon2_time_cost: int = _f(
        "LENDBOOK_ARGON2_TIME_COST", 3, CORE, "argon2id passes for new password hashes (RFC "
        "9106 low-memory profile: 3); existing hashes keep verifying with their own", "`3`",
        ge=1)
    argon2_memory_kib: int = _f("LENDBOOK_ARGON2_MEMORY_KIB", 65536, CORE, "argon2id memory "
                                "per hash in KiB (RFC 9106 low-memory profile: 65536, 64 MiB)",
                                "`65536`", ge=8)
    argon2_parallelism: int = _f("LENDBOOK_ARGON2_PARALLELISM", 4, CORE, "argon2id lanes "
                                 "(RFC 9106 low-memory profile: 4)", "`4`", ge=1)

    # --- jobs ---------------------------------------------------------------------------
    cob_interval: int = _f("LENDBOOK_COB_INTERVAL", 3600, JOBS, "seconds between the app's "
                           "close-of-business runs; `0` = off", "`3600`", ge=0)
    collect_interval: int = _f("LENDBOOK_COLLECT_INTERVAL", 900, JOBS, "seconds between the "
                               "app's collection runs; `0` = off", "`900`", ge=0)

    # --- credit bureau ------------------------------------------------------------------
    bureau: Literal["local"] = _f("LENDBOOK_BUREAU", "local", BUREAU, "the bureau adapter; "
                                  "`local` is offline and deterministic", "`local`")
    bureau_fixtures: Path | None = _f(
        "LENDBOOK_BUREAU_FIXTURES", None, BUREAU, "a JSON file mapping SSN last-four digits "
        "to report fields, for the local bureau", "unset")

    # --- bank files ---------------------------------------------------------------------
    ach_destination: str = _f("LENDBOOK_ACH_DESTINATION", "110000000", ACH,
                              "immediate destination (the bank's routing number)")
    ach_destination_name: str = _f("LENDBOOK_ACH_DESTINATION_NAME", "DEMO BANK", ACH,
                                   "immediate destination name")
    ach_origin: str = _f("LENDBOOK_ACH_ORIGIN", "1234567890", ACH, "immediate origin")
    ach_origin_name: str = _f("LENDBOOK_ACH_ORIGIN_NAME", "LENDBOOK DEMO LENDER", ACH,
                              "immediate origin name")
    ach_company_name: str = _f("LENDBOOK_ACH_COMPANY_NAME", "LENDBOOK DEMO", ACH,
                               "company name in each batch header")
    ach_company_id: str = _f("LENDBOOK_ACH_COMPANY_ID", "1234567890", ACH,
                             "company identification in each batch header")
    ach_odfi: str = _f("LENDBOOK_ACH_ODFI", "11000000", ACH,
                       "originating DFI identification (8 digits)")

    # --- DocuSign -----------------------------------------------------------------------
    docusign_base_path: str | None = _f(
        "LENDBOOK_DOCUSIGN_BASE_PATH", None, DOCUSIGN, "REST base path; demo "
        "`https://demo.docusign.net/restapi`; `auto`: the account's `base_uri` from "
        "`/oauth/userinfo` plus `/restapi`", "the local fake's `/restapi`")
    docusign_oauth_host: str | None = _f(
        "LENDBOOK_DOCUSIGN_OAUTH_HOST", None, DOCUSIGN, "OAuth server; demo "
        "`account-d.docusign.com`, production `account.docusign.com` (no scheme means "
        "https)", "the local fake")
    docusign_account_id: str | None = _f("LENDBOOK_DOCUSIGN_ACCOUNT_ID", None, DOCUSIGN,
                                         "API account id (GUID)", "the fake's account")
    docusign_integration_key: str | None = _f(
        "LENDBOOK_DOCUSIGN_INTEGRATION_KEY", None, DOCUSIGN, "integration key (OAuth client "
        "id)", "`lendbook-local-integration-key`")
    docusign_user_id: str | None = _f("LENDBOOK_DOCUSIGN_USER_ID", None, DOCUSIGN,
                                      "the impersonated sending user", "the fake's user")
    docusign_private_key_file: Path | None = _f(
        "LENDBOOK_DOCUSIGN_PRIVATE_KEY_FILE", None, DOCUSIGN, "the integration key's RSA "
        "private key (PEM); unset with a loopback OAuth host: a throwaway key; unset with a "
        "real host and no access token: refused at start", "unset")
    docusign_access_token: str | None = _f(
        "LENDBOOK_DOCUSIGN_ACCESS_TOKEN", None, DOCUSIGN, "a ready bearer token; skips the "
        "JWT grant", "unset", repr=False)
    docusign_connect_hmac_key: str | None = _f(
        "LENDBOOK_DOCUSIGN_CONNECT_HMAC_KEY", None, DOCUSIGN, "Connect HMAC key(s), "
        "comma-separated (one per active key, for rotation); none: every webhook is refused",
        "the fake's dev key while DocuSign is loopback, else none", repr=False)

    # --- Stripe -------------------------------------------------------------------------
    stripe_api_key: str | None = _f("STRIPE_API_KEY", None, STRIPE, "secret key",
                                    "`sk_test_lendbook_local` (the fake only)", repr=False)
    stripe_api_base: str | None = _f(
        "STRIPE_API_BASE", None, STRIPE, "API base URL (`local`: the fake)",
        "the fake, or `https://api.stripe.com` once `STRIPE_API_KEY` is set")
    stripe_webhook_secret: str | None = _f(
        "STRIPE_WEBHOOK_SECRET", None, STRIPE, "endpoint signing secret",
        "`whsec_lendbook_local` while the base is loopback, else none", repr=False)

    # --- the local fakes (a separate development service, never the production app) -----
    docusign_fake_port: int | None = _f("LENDBOOK_DOCUSIGN_FAKE_PORT", None, FAKES,
                                        "the DocuSign fake's port", "PORT+2")
    docusign_fake_connect_url: str | None = _f(
        "LENDBOOK_DOCUSIGN_FAKE_CONNECT_URL", None, FAKES, "where the DocuSign fake posts "
        "Connect events (`none`: nowhere)", "the app's `/api/v1/webhooks/docusign`")
    docusign_spec: Path | None = _f(
        "LENDBOOK_DOCUSIGN_SPEC", None, FAKES, "the eSignature OpenAPI definition the fake "
        "checks request bodies against", "`../shared/specs/docusign/esignature-v2.1.json`")
    stripe_fake_port: int | None = _f("LENDBOOK_STRIPE_FAKE_PORT", None, FAKES,
                                      "the Stripe fake's port", "PORT+1")
    stripe_fake_webhook_url: str | None = _f(
        "LENDBOOK_STRIPE_FAKE_WEBHOOK_URL", None, FAKES, "where the Stripe fake sends events "
        "(`none`: nowhere)", "the app's `/api/v1/webhooks/stripe`")
    stripe_fake_settle_seconds: str | None = _f(
        "LENDBOOK_STRIPE_FAKE_SETTLE_SECONDS", None, FAKES, "ACH settlement delay in seconds "
        "(`manual`: settled by the fake's test hook only)", "`5`")
    stripe_spec_dir: Path | None = _f("LENDBOOK_STRIPE_SPEC_DIR", None, FAKES,
                                      "spec3.json and fixtures3.json for the Stripe fake",
                                      "`../shared/specs/stripe`")

    # --- onboarding ---------------------------------------------------------------------
    manual_entry_approval: bool = _f(
        "LENDBOOK_MANUAL_ENTRY_APPROVAL", True, ONBOARDING, "`off`: a manually entered loan "
        "books on submit, with no second person", "on")

    @property
    def database_url(self) -> str:
        return self.database_url_set or f"sqlite:///{self.data_dir / 'lendbook.db'}"

    @property
    def session_secret(self) -> str:
        return self.session_secret_set or _secret(self.data_dir / "session.secret")

    @property
    def document_key(self) -> str:
        return self.document_key_set or _secret(self.data_dir / "document.key")


class _MappingSettings(Settings):
    """Settings from one mapping only (not the process environment)."""

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings,
                                   dotenv_settings, file_secret_settings
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def load(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings as the environment (or `environ`) says now. Building them costs 1-2 ms
    (pydantic validation), and the unit of work, the composition root and documents ask on
    every call: so the object is kept and rebuilt only when a variable it reads changes."""
    if environ is None:
        key = tuple(sorted((k, v) for k, v in os.environ.items() if k.lower() in _READ))
        if _LAST and _LAST[0] == key:
            return _LAST[1]
        made = Settings()
        _LAST[:] = [key, made]
        return made
    names = {f.json_schema_extra["env"] for f in Settings.model_fields.values()}
    return _MappingSettings(**{k: v for k, v in environ.items() if k in names and v != ""})


_READ = frozenset(f.json_schema_extra["env"].lower() for f in Settings.model_fields.values())
_LAST: list = []  # [key, Settings]: the last environment read and what it gave


def fields() -> list[tuple[str, str, str, str]]:
    """(group, variable, default as documented, meaning) for every setting, in order."""
    out = []
    for f in Settings.model_fields.values():
        extra = f.json_schema_extra
        shown = extra["shown"] or (f"`{f.default}`" if f.default is not None else "unset")
        out.append((extra["group"], extra["env"], shown, f.description))
    return out


def markdown() -> str:
    """The settings tables of the operator guide, one per group (generated: do not edit)."""
    lines, group = [], None
    for g, env, shown, meaning in fields():
        if g != group:
            lines += ([""] if group else []) + [f"### {g}", "", "| Variable | Default | Meaning |",
                                                 "|---|---|---|"]
            group = g
        lines.append(f"| `{env}` | {shown} | {meaning} |")
    return "\n".join(lines) + "\n"


def _secret(path: Path) -> str:
    """A random secret kept in the data folder so restarts keep sessions and documents.

    Several backend workers may need it first at the same moment: the secret is written whole
    to a private temporary file and then linked into place, which fails if another process
    got there first (its secret is then used). No process reads a half-written file, and no
    process overwrites a secret another one already used (a document key, for instance)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 600
        try:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(48))
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass  # another process created it first: use theirs
        finally:
            os.unlink(tmp)
    return path.read_text().strip()

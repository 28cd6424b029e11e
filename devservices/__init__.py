"""Development services: local fakes of Stripe and DocuSign that speak the providers' wire
formats, run as their own processes (`python -m devservices`, started by `make run` on PORT+1
and PORT+2), plus in-memory fakes of the domain's payment and e-signature ports (`memory`).

Nothing in the production packages (domain, integrations, portal, admin, cli, webapp, ui)
imports this package: an import-linter contract in pyproject.toml refuses it. The production
adapters in `integrations/` reach a fake only through the base URLs their settings give.

- `devservices.stripe`: fake Stripe API v1 (test mode), Checkout and microdeposit pages,
  signed webhooks, test hooks (`control.FakeStripeControl`).
- `devservices.docusign`: fake DocuSign eSignature v2.1, OAuth JWT grant, signing page,
  Connect messages.
- `devservices.serving`: serving an ASGI app on a port in a thread (granian).
- `devservices.hosts`: the host name the app and the fakes are reached at.
- `devservices.memory`: `InMemoryCharger`, `InMemoryESign` for service tests without HTTP.
"""

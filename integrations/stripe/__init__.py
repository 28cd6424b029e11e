"""Stripe autopay: the adapter (`client.StripeGateway`, official `stripe` SDK) and the
collections port on it (`charger.StripeCharger`). The local fake Stripe it talks to by default
is a development service of its own (`devservices.stripe`, `python -m devservices`), never
imported or started here.

Modules are imported on demand: a webhook route needs only `client`."""

"""Stripe autopay: the adapter (`client.StripeGateway`, official `stripe` SDK) and a local fake
Stripe (`fake_server.create_app`, `fake_server.start_fake_stripe`, `fake_stripe_lifespan`) that
speaks Stripe's wire format, validated against Stripe's OpenAPI spec (`spec`), for offline
development and tests. `fake_control.FakeStripeControl` drives the fake's test hooks.

Modules are imported on demand: the fake does not need the SDK, and a webhook route needs only
`client`."""

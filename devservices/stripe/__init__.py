"""A local fake Stripe (`server.create_app`, `server.start_fake_stripe`) that speaks Stripe's
wire format, validated against Stripe's OpenAPI spec (`spec`), for development and tests.
`control.FakeStripeControl` drives its test hooks. Run it with `python -m devservices`."""

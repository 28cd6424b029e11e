"""DocuSign e-signature: the adapter (`client.ESignClient`), Connect webhook checks
(`connect.verify_connect`, `connect.parse_connect`) and a local fake DocuSign
(`fake_server.create_app`, `fake_server.start_fake_docusign`) for offline development and tests.

Modules are imported on demand: the webhook route needs only `connect`, which does not load the
SDK."""

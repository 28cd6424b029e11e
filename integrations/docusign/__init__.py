"""DocuSign e-signature: the adapter (`client.ESignClient`) and Connect webhook checks
(`connect.verify_connect`, `connect.parse_connect`). The local fake DocuSign it talks to by
default is a development service of its own (`devservices.docusign`, `python -m devservices`),
never imported or started here.

Modules are imported on demand: the webhook route needs only `connect`, which does not load the
SDK."""

"""A local fake DocuSign eSignature (`server.create_app`, `server.start_fake_docusign`) whose
request bodies are checked against DocuSign's spec (`spec`), for development and tests. Run it
with `python -m devservices`."""

"""Documents: what an uploaded file really is, encryption at rest, and the document store."""

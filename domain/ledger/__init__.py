"""The double-entry journal (entries, the one writer), the GL mapping and export, and ledger reports."""

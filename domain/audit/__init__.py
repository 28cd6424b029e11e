"""The audit trail: recording every state change, its hash chain, the admin viewer's queries and verification."""

"""The kinds of document a borrower, dealer or agent may upload (a product may require some
before funding; an underwriter may ask for any). Shared by products, uploads and underwriting."""

UPLOAD_KINDS = ("id", "proof_of_income", "bank_statement", "proof_of_address", "other")

"""The example rule set shown in the admin and loaded as the demo's `credit` rule set."""

EXAMPLE = {"groups": [
    {"name": "identity", "rules": [
        {"id": "kyc", "name": "Identity verified", "when": "not kyc.passed or bureau.fraud_flag",
         "outcome": "decline", "reason": "Identity could not be verified",
         "adverse_action_code": "ID"}]},
    {"name": "credit", "rules": [
        {"id": "score", "name": "Score floor", "when": "bureau.score < 600",
         "outcome": "decline", "reason": "Credit score below our minimum",
         "adverse_action_code": "SC"},
        {"id": "thin", "name": "Thin file", "when": "bureau.thin_file", "outcome": "refer",
         "reason": "Thin credit file: manual review"},
        {"id": "dti", "name": "Debt to income", "when": "dti > 0.45", "outcome": "decline",
         "reason": "Debt obligations too high relative to income",
         "adverse_action_code": "DTI"},
        {"id": "prime", "name": "Prime tier", "when": "bureau.score >= 740 and dti <= 0.36",
         "outcome": "tier", "tier": "A", "reason": "Prime pricing"}]}]}

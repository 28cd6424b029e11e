"""From application to booked loan: intake from every channel, decision rules, workflow and underwriting, documents and e-signature, funding."""

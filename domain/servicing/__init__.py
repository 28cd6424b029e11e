"""A booked loan's life: its state, payments and reversals, modifications, close of business, what the portal shows, receipts and notices."""

"""Money moving through rails: saved instruments, autopay, collections (Stripe and NACHA), bank files and returns."""

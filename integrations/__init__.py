"""Adapters to outside providers (payments, e-signature, bureaus, banks); later issues fill it."""

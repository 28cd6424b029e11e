"""The Reflex web app: borrower portal, staff servicing console; registers admin pages too."""

"""Who may act: accounts and sessions, roles, staff users, organisations, API partners, claiming an account."""

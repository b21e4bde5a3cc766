"""Makes tests/ importable (``from e2e import ...``) for every test folder."""

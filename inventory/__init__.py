"""The blank ledger: movements, stock counts and requests to the ministry."""

"""Ledger pages under /ledger/. Each view parses the request and calls one service or selector."""

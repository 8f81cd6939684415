"""The no-code procedure builder (staff pages under /builder/, docs/procedures.md)."""

"""Demo data for `madoguchi demo` (organizations, procedures, users of the scenarios)."""

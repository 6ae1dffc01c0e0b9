"""The demo world and `manage.py seed_demo` (installed in local and test settings only)."""

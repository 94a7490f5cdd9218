"""Example gclab plugins (see README.md beside this package)."""

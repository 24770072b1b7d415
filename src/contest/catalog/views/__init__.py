"""Catalog views, split by audience: ``public`` is the read-only site for everyone."""

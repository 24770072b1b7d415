"""The portal API: provinces that keep their own registration site push entries here."""

from ninja import Router

router = Router(tags=["portal"])

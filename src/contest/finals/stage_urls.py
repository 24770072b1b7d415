"""The chair's and the judges' stage pages (mounted under /live/ by finals.urls)."""

urlpatterns: list = []

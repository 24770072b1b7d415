import pytest
from django.urls import reverse
from .season import build_season
pytestmark = [pytest.mark.django_db]
def test_dump(client, ningbo):
    s = build_season(ningbo)
    client.force_login(s.secretariat)
    client.cookies["django_language"] = "en"
    open("/tmp/dash.html", "w").write(client.get(reverse("statistics:dashboard")).content.decode())

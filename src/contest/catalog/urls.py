from django.urls import path

from contest.catalog.views import public, zones

app_name = "catalog"
urlpatterns = [
    path("", public.home, name="home"),
    path("events/", public.event_list_current, name="event_list_current"),
    path("mine/", public.my_event_current, name="my_event_current"),
    path("editions/<int:number>/", public.edition_home, name="edition_home"),
    path("editions/<int:number>/events/", public.event_list, name="event_list"),
    path("editions/<int:number>/events/<int:event_id>/", public.event_detail, name="event_detail"),
    path("editions/<int:number>/mine/", public.my_event, name="my_event"),
    path("organizations/", public.organization_list, name="organization_list"),
    path("organizations/<int:pk>/", public.organization_detail, name="organization_detail"),
    # the organizer's console for an event's stations (mounted here: catalog owns the zones)
    path("console/events/<int:event_id>/zones/", zones.zone_list, name="zone_list"),
    path("console/events/<int:event_id>/zones/<int:zone_id>/", zones.zone_edit, name="zone_edit"),
    path("console/events/<int:event_id>/zones/<int:zone_id>/delete/", zones.zone_delete, name="zone_delete"),
]

from .division import Division
from .edition import Edition, EditionGroup
from .event import Event, EventOrganization, Organization
from .zone import EventZone

__all__ = ["Division", "Edition", "EditionGroup", "Event", "EventOrganization", "EventZone", "Organization"]

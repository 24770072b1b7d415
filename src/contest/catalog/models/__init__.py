from .division import Division
from .edition import Edition, EditionGroup
from .event import Event, EventOrganization, Organization

__all__ = ["Division", "Edition", "EditionGroup", "Event", "EventOrganization", "Organization"]

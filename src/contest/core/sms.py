"""Text messages (verification codes), through a pluggable backend like Django's e-mail backends.

The setting ``SMS_BACKEND`` names the backend class by dotted path:

* ``contest.core.sms.ConsoleBackend`` (development): writes each message to the log and stdout;
* ``contest.core.sms.LocmemBackend`` (tests): keeps the messages in :data:`outbox`;
* a production gateway: a subclass of :class:`BaseBackend` implementing :meth:`~BaseBackend.send`.

Callers use :func:`send_sms`; nothing else knows which backend runs.
"""

from __future__ import annotations

import logging
import sys
from abc import ABC, abstractmethod
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)
DEFAULT_BACKEND = "contest.core.sms.ConsoleBackend"


@dataclass(frozen=True)
class Message:
    phone: str
    text: str


#: what ``LocmemBackend`` sent, oldest first (tests clear it)
outbox: list[Message] = []


class BaseBackend(ABC):
    """Sends one message; returns True when the gateway accepted it."""

    @abstractmethod
    def send(self, message: Message) -> bool:
        """Hand ``message`` to the gateway."""


class ConsoleBackend(BaseBackend):
    """Development: the message goes to the log and to stdout (the runserver console)."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, message: Message) -> bool:
        logger.info("SMS to %s: %s", message.phone, message.text)
        self.stream.write(f"[SMS] {message.phone}: {message.text}\n")
        self.stream.flush()
        return True


class LocmemBackend(BaseBackend):
    """Tests: the message is appended to :data:`outbox`."""

    def send(self, message: Message) -> bool:
        outbox.append(message)
        return True


def get_backend(path: str | None = None) -> BaseBackend:
    return import_string(path or getattr(settings, "SMS_BACKEND", DEFAULT_BACKEND))()


def send_sms(phone: str, text: str) -> bool:
    """Send ``text`` to ``phone`` (E.164) through the configured backend."""
    return get_backend().send(Message(phone=phone, text=text))

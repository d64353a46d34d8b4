"""Delivery channels: email is built in; plugins add others through ``portal_notification_channels``.

A channel knows a user's address on it and sends one ``OutgoingMessage``; raising means
"not delivered" (the worker retries with backoff). The in-app list needs no channel: the
``Notification`` row itself is what the bell shows.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app


@dataclass(frozen=True)
class OutgoingMessage:
    """What a channel sends: Indonesian subject and text, the link to the step, an id for de-duplication."""

    message_id: str
    kind: str
    subject: str
    text: str
    link: str
    recipient: str
    recipient_name: str


class NotificationChannel:
    """Base class of a delivery channel (subclass it in a plugin; see ``portal.plugin_api``)."""

    name = ""
    label = ""

    def address(self, user) -> str | None:
        """The user's address on this channel, or None when they cannot be reached on it."""
        raise NotImplementedError

    def send(self, message: OutgoingMessage) -> None:
        """Deliver ``message``; raise any exception when it was not delivered."""
        raise NotImplementedError


class EmailChannel(NotificationChannel):
    """Email through Flask-Mail over SMTP (``MAIL_SERVER`` and friends); off while MAIL_SERVER is empty."""

    name = "email"
    label = "Email"

    def address(self, user) -> str | None:
        """The user's email when email is configured and the user has one."""
        if not current_app.config.get("MAIL_SERVER") or not (user.email or "").strip():
            return None
        return user.email.strip()

    def send(self, message: OutgoingMessage) -> None:
        """Send one plain-text email (UTF-8) with a stable Message-ID."""
        from flask_mail import Message

        mail = current_app.extensions["mail"]
        msg = Message(subject=message.subject, recipients=[(message.recipient_name, message.recipient)],
                      body=message.text, charset="utf-8")
        msg.msgId = message.message_id
        with mail.connect() as connection:
            connection.send(msg)


def channels() -> dict[str, NotificationChannel]:
    """Every usable channel by name: email, then the plugins' channels."""
    found: dict[str, NotificationChannel] = {"email": EmailChannel()}
    registry = current_app.extensions.get("portal_plugins")
    if registry is not None:
        for batch in registry.pm.hook.portal_notification_channels():
            for channel in batch or []:
                if channel.name and channel.name not in found:
                    found[channel.name] = channel
    return found


def channel_labels() -> dict[str, str]:
    """Channel name -> label, for the preference page and the admin list."""
    return {name: channel.label or name for name, channel in channels().items()}

"""Database models of the core."""
from portal.models.org import Role, Unit, User, UserRole, utcnow
from portal.models.run import Attachment, Outcome, Run, RunStatus, Task, TaskKind, TaskStatus
from portal.models.records import (
    ArchivedDocument, AuditEvent, FormRecord, Receipt, ReceiptCounter, RunDocument, Setting,
)
from portal.models.notify import Delegation, Notification, NotificationPreference, OutboxMessage, TaskReminder  # issue 10

__all__ = [
    "Role", "Unit", "User", "UserRole", "Run", "Task", "Attachment", "AuditEvent",
    "ArchivedDocument", "Receipt", "ReceiptCounter", "FormRecord", "RunDocument", "Setting", "utcnow",
    "RunStatus", "TaskKind", "TaskStatus", "Outcome",
    "Delegation", "Notification", "NotificationPreference", "OutboxMessage", "TaskReminder",
]

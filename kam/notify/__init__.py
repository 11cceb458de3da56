"""Telling people about unattended runs through Prefect notification blocks.

Blocks are configured once in Prefect (UI, `prefect block create`, or `Block.save`) and named
in the settings as 'block-type-slug/block-name': a Slack or Microsoft Teams webhook, any
custom webhook, or the SMTP e-mail block kam ships (`kam-smtp-email`).
"""

from kam.notify.email import SMTPEmail
from kam.notify.messages import Notice, failed_notice, published_notice, rejected_notice
from kam.notify.send import send_notice

__all__ = [
    "Notice",
    "SMTPEmail",
    "failed_notice",
    "published_notice",
    "rejected_notice",
    "send_notice",
]

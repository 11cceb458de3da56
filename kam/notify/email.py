"""An e-mail notification block over plain SMTP.

Prefect's core ships webhook and hosted-mail blocks (Slack, Teams, SendGrid, ...) but no SMTP
one, and prefect-email's credentials block is not a notification block; this small block lets
a company mail server receive the same notices.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from prefect.blocks.abstract import NotificationBlock
from pydantic import Field, SecretStr


class SMTPEmail(NotificationBlock):
    """Send notifications as e-mail through an SMTP server."""

    _block_type_name = "kam SMTP e-mail"
    _block_type_slug = "kam-smtp-email"

    host: str = Field(description="SMTP server host name.")
    port: int = Field(587, description="SMTP port (587 with STARTTLS, 465 with TLS, 25 plain).")
    security: str = Field("starttls", pattern="^(starttls|tls|none)$")
    username: str | None = None
    password: SecretStr | None = None
    from_address: str = Field(description="Sender address.")
    to_addresses: list[str] = Field(min_length=1, description="Recipients.")
    timeout_seconds: float = 30.0

    def notify(self, body: str, subject: str | None = None) -> None:
        message = EmailMessage()
        message["From"] = self.from_address
        message["To"] = ", ".join(self.to_addresses)
        message["Subject"] = subject or "kam notification"
        message.set_content(body)
        context = ssl.create_default_context()
        smtp_class = smtplib.SMTP_SSL if self.security == "tls" else smtplib.SMTP
        extra = {"context": context} if self.security == "tls" else {}
        with smtp_class(self.host, self.port, timeout=self.timeout_seconds, **extra) as smtp:
            if self.security == "starttls":
                smtp.starttls(context=context)
            if self.username:
                password = self.password.get_secret_value() if self.password else ""
                smtp.login(self.username, password)
            smtp.send_message(message)

"""E-mail through SMTP (STARTTLS, TLS or plain; LOGIN/PLAIN auth), sent off the event loop."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import TYPE_CHECKING, Any

from hub import Notification, Notifier, NotifyConfig, NotifyRejected, NotifyRetry

from .config import SmtpConfig

if TYPE_CHECKING:
    from hub import Hub

__all__ = ["SmtpNotifier", "build_message"]


def build_message(config: SmtpConfig, notification: Notification) -> EmailMessage:
    """Return the e-mail for one notification (UTF-8 text; markdown is sent as written)."""
    message = EmailMessage()
    subject = notification.title or notification.message.splitlines()[0][:80]
    message["Subject"] = f"{config.subject_prefix} {subject}".strip()
    message["From"] = config.sender
    message["To"] = ", ".join(config.recipients)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=config.sender.rpartition("@")[2])
    if notification.incident_id:
        message["X-CampusHub-Incident"] = notification.incident_id
    message.set_content(notification.as_text() if notification.format == "text"
                        else notification.as_markdown())
    return message


class SmtpNotifier(Notifier):
    """Sends each message as one e-mail to the configured recipients."""

    platform = "smtp"
    config_model = SmtpConfig

    def __init__(self, hub: Hub, config: NotifyConfig) -> None:
        super().__init__(hub, config)
        assert isinstance(config, SmtpConfig)
        self._config = config
        self._context: ssl.SSLContext | None = None

    def secrets(self) -> list[str]:
        """The password."""
        return [self._config.password.get_secret_value()] if self._config.password else []

    async def start(self) -> None:
        """Build the TLS context (reads the CA file) off the loop."""
        if self._config.security != "none":
            self._context = await self.hub.run_blocking(_tls_context_blocking, self._config)

    async def send(self, notification: Notification) -> str:
        """Send the e-mail; 4xx answers and lost connections are retried, 5xx refused."""
        message = build_message(self._config, notification)
        return await self.hub.run_blocking(self._send_blocking, message)

    def _send_blocking(self, message: EmailMessage) -> str:
        c = self._config
        try:
            with self._connect_blocking() as smtp:
                if c.username is not None and c.password is not None:
                    smtp.login(c.username, c.password.get_secret_value())
                refused = smtp.send_message(message)
        except smtplib.SMTPAuthenticationError as exc:
            raise NotifyRejected(f"login refused: {exc.smtp_code}", auth=True) from None
        except smtplib.SMTPNotSupportedError as exc:
            raise NotifyRejected(f"the server does not support it: {exc}") from None
        except smtplib.SMTPRecipientsRefused as exc:
            raise NotifyRejected(f"every recipient refused: {sorted(exc.recipients)}") from None
        except smtplib.SMTPResponseException as exc:
            text = f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"
            if 400 <= exc.smtp_code < 500:
                raise NotifyRetry(text) from None
            raise NotifyRejected(text) from None
        except ssl.SSLCertVerificationError as exc:
            raise NotifyRetry(f"TLS certificate refused: {exc.verify_message}") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise NotifyRetry(f"{type(exc).__name__}: {exc}") from None
        if refused:
            return f"sent; refused by {sorted(refused)}"
        return f"sent to {len(c.recipients)} recipient(s)"

    def _connect_blocking(self) -> smtplib.SMTP:
        c = self._config
        if c.security == "tls":
            return smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout, context=self._context)
        smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout)
        try:
            if c.security == "starttls":
                smtp.starttls(context=self._context)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def describe(self) -> dict[str, Any]:
        """Server and security (no password)."""
        return {"server": f"{self._config.host}:{self._config.port}",
                "security": self._config.security, "recipients": len(self._config.recipients)}


def _tls_context_blocking(config: SmtpConfig) -> ssl.SSLContext:
    if not config.verify_tls:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    cafile = str(config.ca_file) if config.ca_file is not None else None
    return ssl.create_default_context(cafile=cafile)

"""E-mail through a real SMTP server (aiosmtpd: STARTTLS, AUTH) and the signed notify webhook."""

from __future__ import annotations

import asyncio
import email
import email.policy
import ssl
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from hub.exceptions import ServiceValidationError
from hub.notify.component import manager_of
from tests.plugins.notify.doubles import WebhookReceiver, serve

HubFactory = Callable[..., Any]
USER, PASSWORD = "gate-hub@school.example", "s3cret-mail-password"
FAST = "    retry: {max_attempts: 3, initial_delay: 0.01, max_delay: 0.05}\n"


@dataclass
class Mailbox:
    """What the SMTP server accepted."""

    port: int = 0
    ca_file: Path = Path()
    messages: list[tuple[str, list[str], email.message.EmailMessage]] = field(
        default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Keep the message."""
        assert isinstance(envelope.content, bytes)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, email.message.EmailMessage)
        self.messages.append((str(envelope.mail_from), list(envelope.rcpt_tos), message))
        return "250 OK"

    def authenticate(self, server: SMTP, session: Session, envelope: Envelope,
                     mechanism: str, auth_data: Any) -> AuthResult:
        """Accept only USER/PASSWORD."""
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == USER
              and auth_data.password.decode() == PASSWORD)
        self.logins.append(f"{mechanism}:{ok}")
        return AuthResult(success=ok, handled=False)  # the server answers 235 or 535


@pytest.fixture
async def mailbox(tmp_path: Path) -> AsyncIterator[Mailbox]:
    """A real SMTP server on 127.0.0.1 that requires STARTTLS and a login."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    box = Mailbox(ca_file=tmp_path / "ca.pem")
    await asyncio.to_thread(ca.cert_pem.write_to_path, str(box.ca_file))
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(box, hostname="mail.school.example", tls_context=context,
                     require_starttls=True, auth_required=True, authenticator=box.authenticate),
        "127.0.0.1", 0)
    box.port = server.sockets[0].getsockname()[1]
    yield box
    server.close()
    await server.wait_closed()


def _smtp_yaml(box: Mailbox, password: str = PASSWORD) -> str:
    return (f"notify:\n  - platform: smtp\n    name: duty_mail\n    host: 127.0.0.1\n"
            f"    port: {box.port}\n    username: {USER}\n    password: {password}\n"
            f"    ca_file: {box.ca_file}\n    sender: {USER}\n"
            f"    recipients: [head@school.example, duty@school.example]\n{FAST}")


async def test_mail_over_starttls_with_login(hub_factory: HubFactory, mailbox: Mailbox) -> None:
    """notify.duty_mail logs in after STARTTLS and delivers one UTF-8 mail to each recipient."""
    h = await hub_factory(_smtp_yaml(mailbox))
    answer = await h.hub.services.call("notify", "duty_mail", {
        "title": "校门报警 Panic alarm", "message": "North gate: panic button pressed",
        "incident_id": "abc123", "wait": True})
    assert answer["detail"] == "sent to 2 recipient(s)"
    assert mailbox.logins == ["PLAIN:True"] or mailbox.logins == ["LOGIN:True"]
    sender, recipients, message = mailbox.messages[0]
    assert sender == USER and recipients == ["head@school.example", "duty@school.example"]
    assert message["Subject"] == "[Campus Hub] 校门报警 Panic alarm"
    assert message["X-CampusHub-Incident"] == "abc123"
    body = message.get_body(("plain",))
    assert body is not None
    assert body.get_content().splitlines() == ["校门报警 Panic alarm",
                                               "North gate: panic button pressed"]


async def test_mail_wrong_password_is_auth_failed(
    hub_factory: HubFactory, mailbox: Mailbox
) -> None:
    """A refused login is not retried; the channel says auth_failed, without the password."""
    h = await hub_factory(_smtp_yaml(mailbox, password="not-the-password"))
    with pytest.raises(ServiceValidationError, match="login refused"):
        await h.hub.services.call("notify", "duty_mail", {"message": "x", "wait": True})
    # one attempt: smtplib tries each offered mechanism once (PLAIN, then LOGIN), no retry
    assert sorted(mailbox.logins) == ["LOGIN:False", "PLAIN:False"]
    status = manager_of(h.hub).status()[0]
    assert status["state"] == "auth_failed" and "not-the-password" not in str(status)
    assert not mailbox.messages


async def test_mail_server_down_retries_then_fails(
    hub_factory: HubFactory, mailbox: Mailbox
) -> None:
    """Nobody listening: each attempt fails, the message is given up after max_attempts."""
    yaml = _smtp_yaml(mailbox).replace(f"port: {mailbox.port}", "port: 1")
    h = await hub_factory(yaml)
    with pytest.raises(ServiceValidationError, match="ConnectionRefusedError"):
        await h.hub.services.call("notify", "duty_mail", {"message": "x", "wait": True})
    status = manager_of(h.hub).status()[0]
    assert (status["state"], status["failed"]) == ("failing", 1)
    assert h.of_type("notify_failed")[0].data["attempts"] == 3


async def test_check_config_refuses_a_password_in_clear(hub_factory: HubFactory) -> None:
    """security: none with a login is a config error naming the entry's line."""
    from hub.exceptions import ConfigError

    with pytest.raises(ConfigError) as err:
        await hub_factory("hub: {}\nnotify:\n  - platform: smtp\n    name: m\n    host: h\n"
                          "    security: none\n    username: u\n    password: p\n"
                          "    sender: a@b.c\n    recipients: [x@y.z]\n")
    assert "site.yaml:3: notify[0]" in str(err.value)
    assert "never sent unencrypted" in str(err.value)


async def test_signed_webhook_retried_after_503(hub_factory: HubFactory) -> None:
    """The generic webhook signs like the police webhook; a 503 is retried."""
    secret = "0123456789abcdef0123"
    receiver = WebhookReceiver(secret, fail=1)
    async with serve(receiver.app()) as url:
        h = await hub_factory(f"hub: {{site: north_school}}\nnotify:\n  - platform: webhook\n"
                              f"    name: duty_hook\n    url: {url}/notify\n"
                              f"    secret: {secret}\n{FAST}")
        await h.hub.services.call("notify", "duty_hook", {
            "title": "Panic", "message": "North gate", "incident_id": "i1", "wait": True})
    assert receiver.refused == 0
    document = receiver.received[0]
    assert document["schema"] == "campus-hub/notification/v1"
    assert (document["site"], document["channel"], document["title"], document["message"],
            document["incident_id"]) == ("north_school", "duty_hook", "Panic", "North gate", "i1")
    assert h.of_type("notify_sent")[0].data["attempts"] == 2
    # the retry carries the same message id: the receiver can drop a repeat
    assert len(receiver.ids) == 2 and receiver.ids[0] == receiver.ids[1] == document["id"]


async def test_unknown_platform_and_duplicate_names(hub_factory: HubFactory) -> None:
    """check-config names the line of an unknown platform and of a reused channel name."""
    from hub.exceptions import ConfigError

    with pytest.raises(ConfigError) as err:
        await hub_factory("notify:\n  - platform: pager\n    name: a\n"
                          "  - platform: webhook\n    name: b\n    url: http://127.0.0.1/\n"
                          "    secret: 0123456789abcdef0\n"
                          "  - platform: webhook\n    name: b\n    url: http://127.0.0.1/\n"
                          "    secret: 0123456789abcdef0\n")
    text = str(err.value)
    assert "site.yaml:2: notify[0].platform: unknown notify platform 'pager'" in text
    assert "site.yaml:9: notify[2].name: channel name 'b' is used by notify[1]" in text


async def test_a_short_webhook_secret_is_refused(hub_factory: HubFactory) -> None:
    """A notify webhook's HMAC key under 16 characters is named with its line and a hint."""
    from hub.exceptions import ConfigError

    with pytest.raises(ConfigError) as err:
        await hub_factory("notify:\n  - platform: webhook\n    name: a\n"
                          "    url: http://127.0.0.1/\n    secret: short\n")
    assert ("site.yaml:5: notify[0].secret: Value error, the secret must have at least 16 "
            "characters (for example: openssl rand -hex 32) (notify platform webhook)"
            ) in str(err.value)  # a refused secret is a secret all the same: never echoed

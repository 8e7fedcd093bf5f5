"""http_speaker against the simulated IP speaker, through a real hub."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from hub import DeviceError, ServiceValidationError
from hub.testing import wait_for, wait_for_state
from plugins.speakers.http_speaker.tts import TTSError, synthesize
from simulators.speaker import SpeakerSimulator
from tests.simulators.speaker.test_sim_speaker import make_wav


@pytest.fixture
async def speaker() -> AsyncIterator[SpeakerSimulator]:
    sim = SpeakerSimulator(token="tok", username="admin", password="pw")
    await sim.start()
    yield sim
    await sim.stop()


def speaker_yaml(url: str, auth: str = "token: tok", extra: str = "") -> str:
    return f"""
    devices:
      - platform: http_speaker
        name: Gate speaker
        url: {url}
        {auth}
        {extra}
    """


async def test_broadcast_text_is_spoken_locally_and_audited(hub_factory, speaker):
    """speaker.broadcast of a message sends an espeak-ng WAV and is audited."""
    harness = await hub_factory(speaker_yaml(speaker.url))
    hub = harness.hub
    await wait_for_state(hub, "speaker.gate_speaker", "idle")
    await hub.services.call(
        "speaker",
        "broadcast",
        {"entity_id": "speaker.gate_speaker", "message": "Please leave the gate", "volume": 90},
    )
    [item] = speaker.played
    assert item.kind == "audio" and item.label == "tts" and item.volume == 90
    assert item.duration > 0.5 and item.sample_rate
    audits = [e.data for e in harness.of_type("audit_logged")]
    assert [(a["action"], a["target"]) for a in audits] == [
        ("speaker.broadcast", "speaker.gate_speaker")
    ]
    assert audits[0]["details"]["message"] == "Please leave the gate"


async def test_device_tts_with_basic_auth(hub_factory, speaker):
    """tts: device sends the text itself; basic auth works."""
    harness = await hub_factory(
        speaker_yaml(speaker.url, "username: admin\n        password: pw", "tts: device")
    )
    await wait_for_state(harness.hub, "speaker.gate_speaker", "idle")
    await harness.hub.services.call(
        "speaker",
        "broadcast",
        {"entity_id": "speaker.gate_speaker", "message": "Drill", "repeat": 2},
    )
    [item] = speaker.played
    assert (item.kind, item.text, item.user) == ("text", "Drill", "admin")


async def test_media_file_and_escape_refused(hub_factory, speaker, tmp_path):
    """A WAV from the media folder is played; a path outside it is refused."""
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "evacuate.wav").write_bytes(make_wav(1.0))
    harness = await hub_factory(speaker_yaml(speaker.url))
    hub = harness.hub
    await wait_for_state(hub, "speaker.gate_speaker", "idle")
    await hub.services.call(
        "speaker", "broadcast", {"entity_id": "speaker.gate_speaker", "media": "evacuate.wav"}
    )
    assert [(p.label, p.duration) for p in speaker.played] == [("evacuate.wav", 1.0)]
    with pytest.raises(ServiceValidationError, match="outside the media folder"):
        await hub.services.call(
            "speaker", "broadcast", {"entity_id": "speaker.gate_speaker", "media": "../site.yaml"}
        )


async def test_bad_token_leaves_speaker_unavailable(hub_factory, speaker):
    """Refused credentials: the speaker is unavailable and nothing is played."""
    harness = await hub_factory(speaker_yaml(speaker.url, "token: wrong"))
    state = await wait_for(lambda: harness.hub.states.get("speaker.gate_speaker"))
    assert state.state == "unavailable"
    assert "credentials" in state.attributes["unavailable_reason"]


async def test_speaker_fault_is_a_device_error(hub_factory, speaker):
    """A speaker answering 500 fails the broadcast with the device's error (a 502 on the API,
    not the caller's mistake), not audited."""
    harness = await hub_factory(speaker_yaml(speaker.url))
    await wait_for_state(harness.hub, "speaker.gate_speaker", "idle")
    speaker.set_fault("error")
    with pytest.raises(DeviceError, match="amplifier fault"):
        await harness.hub.services.call(
            "speaker", "broadcast", {"entity_id": "speaker.gate_speaker", "message": "x"}
        )
    assert harness.of_type("audit_logged") == []


async def test_tts_bad_voice():
    """An unknown espeak-ng voice is a TTSError naming the problem."""
    with pytest.raises(TTSError, match="voice"):
        await synthesize("hello", language="xx-nope")


async def test_token_and_password_never_show_in_config_dumps(hub_factory, speaker):
    """The speaker's token and password are secrets: masked in repr and model dumps."""
    for auth, secret in (("token: tok", "tok"), ("username: admin\n        password: pw", "pw")):
        harness = await hub_factory(speaker_yaml(speaker.url, auth))
        await wait_for_state(harness.hub, "speaker.gate_speaker", "idle")  # the secret works
        config = harness.hub.entities["speaker.gate_speaker"].config
        assert f"'{secret}'" not in repr(config)
        assert f"'{secret}'" not in str(config.model_dump(mode="json"))
        await harness.hub.stop()

"""Register maps beside the site config, the documented third-party example, config errors."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from hub import ConfigError
from hub.testing import HubHarness, wait_for, wait_for_state
from simulators.modbus import BarrierSimulator

HubFactory = Callable[..., Awaitable[HubHarness]]
ROOT = Path(__file__).resolve().parents[4]
DOC = ROOT / "docs" / "plugins" / "modbus.md"
ENTITY = "gate.east_barrier"


def documented_profile() -> str:
    """The worked example's profile, exactly as docs/plugins/modbus.md prints it."""
    text = DOC.read_text(encoding="utf-8")
    after = text.split("<!-- worked-example: profiles/gatekeeper_gk3.yaml", 1)[1]
    return after.split("```yaml\n", 1)[1].split("```", 1)[0]


@pytest.fixture
async def gk3() -> AsyncIterator[BarrierSimulator]:
    sim = BarrierSimulator(layout="holding", travel_time=0.3, auto_close=0.3)
    await sim.start()
    yield sim
    await sim.stop()


def site(port: int, where: str) -> str:
    return (
        "devices:\n  - platform: modbus_barrier\n    name: East barrier\n"
        f"    host: 127.0.0.1\n    port: {port}\n    scan_interval: 0.05\n{where}"
    )


@pytest.mark.parametrize(
    "where",
    ["    profile: profiles/gatekeeper_gk3.yaml\n",
     "    profile_dir: profiles\n    model: gatekeeper_gk3\n"],
    ids=["profile", "profile_dir"],
)  # fmt: skip
async def test_documented_third_party_profile_beside_the_config(
    hub_factory: HubFactory, tmp_path: Path, gk3: BarrierSimulator, where: str
) -> None:
    """The docs' GK-3 profile in profiles/ next to site.yaml drives the GK-3 controller."""
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "gatekeeper_gk3.yaml").write_text(documented_profile())
    h = await hub_factory(site(gk3.port, where))
    state = await wait_for_state(h.hub, ENTITY, "closed")
    assert state.attributes["model"] == "gatekeeper_gk3" and state.attributes["position"] == 0
    await h.hub.services.call("gate", "open", {"entity_id": ENTITY})
    await wait_for_state(h.hub, ENTITY, "open", timeout=5)
    await wait_for_state(h.hub, ENTITY, "closed", timeout=5)  # the controller's auto-close
    assert gk3.commands == ["open"]


async def test_builtin_profiles_stay_the_default(hub_factory: HubFactory, tmp_path: Path) -> None:
    """A profile_dir without the model falls back to the built-in profile of that name."""
    (tmp_path / "profiles").mkdir()
    sim = BarrierSimulator(layout="register", travel_time=0.2, auto_close=None)
    await sim.start()
    try:
        where = "    profile_dir: profiles\n    model: simgate_t200\n"
        h = await hub_factory(site(sim.port, where))
        await wait_for_state(h.hub, ENTITY, "closed")
    finally:
        await sim.stop()


async def test_check_config_names_the_profile_file_and_field(tmp_path: Path) -> None:
    """A wrong profile file fails check-config with the site file's line, the profile and field."""
    (tmp_path / "profiles").mkdir()
    bad = documented_profile().replace("register_index: 0", "register_index: 7")
    (tmp_path / "profiles" / "gatekeeper_gk3.yaml").write_text(bad)
    (tmp_path / "site.yaml").write_text(site(502, "    profile: profiles/gatekeeper_gk3.yaml\n"))
    (tmp_path / "other.yaml").write_text(site(502, "    profile: profiles/missing.yaml\n"))
    outputs = []
    for name in ("site.yaml", "other.yaml"):
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "hub", "check-config", str(tmp_path / name),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        out, _ = await proc.communicate()
        assert proc.returncode != 0
        outputs.append(out.decode())
    assert "site.yaml:2" in outputs[0] and "gatekeeper_gk3.yaml" in outputs[0]
    assert "register_index" in outputs[0]
    assert "missing.yaml: no such profile file" in outputs[1]


async def test_model_or_profile_is_required(hub_factory: HubFactory) -> None:
    """Neither model nor profile: a config error saying what to give."""
    with pytest.raises(ConfigError, match="give `model`"):
        await hub_factory(site(502, ""))


async def test_a_map_that_does_not_fit_is_a_config_error(
    hub_factory: HubFactory, gk3: BarrierSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    """The B100 map on the GK-3 (it has no coils, no inputs): online, state unknown, one log."""
    with caplog.at_level(logging.INFO):
        h = await hub_factory(site(gk3.port, "    model: simgate_b100\n"))
        state = await wait_for_state(h.hub, ENTITY, "unknown")
        await asyncio.sleep(0.5)
    assert "exception 1 (illegal function)" in state.attributes["config_error"]
    errors = [r for r in caplog.records if "configuration error" in r.getMessage()]
    assert len(errors) == 1 and errors[0].levelno == logging.ERROR
    assert "East barrier" in errors[0].getMessage()
    assert not [e for e in h.of_type("incident_raised")]
    assert await wait_for(lambda: h.hub.entities[ENTITY].available)

"""The simulated site: address book, the HTTP control surface and the CLI."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from pymodbus.client import AsyncModbusTcpClient

from simulators.control import main, make_control_app
from simulators.site import Site, SiteOptions


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    sim = Site(SiteOptions(travel_time=0.2, auto_close=0.2, cameras=0))
    await sim.start()
    yield sim
    await sim.stop()


@pytest.fixture
async def control_url(site: Site) -> AsyncIterator[str]:
    runner = web.AppRunner(make_control_app(site))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    yield f"http://{host}:{port}"
    await runner.cleanup()


async def cli(*argv: str) -> int:
    """Run the blocking CLI in a thread (it calls the control surface on this loop)."""
    return await asyncio.get_running_loop().run_in_executor(None, main, list(argv))


async def test_address_book_lists_every_device(site):
    """The address book names each device with host, port and, for barriers, the model."""
    book = site.address_book("http://x")
    assert set(book["devices"]) >= {"barrier_1", "turnstile_1", "io_1", "metal_1", "speaker_1",
                                    "lockers_1"}
    assert book["devices"]["lockers_1"]["model"] == "simlock_c16"
    assert book["devices"]["turnstile_1"]["model"] == "simgate_t200"
    assert book["inputs"]["panic_2"] == {
        "device": "io_1",
        "address": 1,
        "wiring": "nc",
        "category": "panic",
    }
    assert all(d["port"] > 0 for d in book["devices"].values())


async def test_cli_press_reaches_the_modbus_terminal(site, control_url, capsys):
    """`press panic_1 --hold 0.2` closes terminal 0 on the wire, and it releases by itself."""
    io = site.address_book()["devices"]["io_1"]
    client = AsyncModbusTcpClient("127.0.0.1", port=io["port"], timeout=1, retries=0)
    await client.connect()
    try:
        assert await cli("--url", control_url, "press", "panic_1", "--hold", "0.2") == 0
        assert (await client.read_discrete_inputs(0, count=1, device_id=1)).bits[0]
        await asyncio.sleep(0.4)
        assert not (await client.read_discrete_inputs(0, count=1, device_id=1)).bits[0]
    finally:
        client.close()


async def test_cli_walk_cut_restore_and_errors(site, control_url, capsys):
    """walk --metal counts an alarm; cut/restore toggle the device; unknown names exit 1."""
    assert await cli("--url", control_url, "walk", "--metal", "--zone", "2") == 0
    assert site.snapshot()["metal_1"]["alarms"] == 1
    assert await cli("--url", control_url, "cut", "io_1") == 0
    assert not site.snapshot()["io_1"]["running"]
    assert await cli("--url", control_url, "restore", "io_1") == 0
    assert site.snapshot()["io_1"]["running"]
    capsys.readouterr()
    assert await cli("--url", control_url, "press", "panic_9") == 1
    assert "unknown input 'panic_9'" in capsys.readouterr().out


async def test_cli_barrier_and_status(site, control_url, capsys):
    """A local open button moves the barrier; status shows it."""
    assert await cli("--url", control_url, "barrier", "barrier_1", "open") == 0
    capsys.readouterr()
    assert await cli("--url", control_url, "status", "barrier_1") == 0
    assert json.loads(capsys.readouterr().out)["motion"] in ("opening", "open")


async def test_missing_site_file_is_a_clear_error(tmp_path, capsys):
    """Without a running site the CLI says where it looked."""
    assert await cli("--site-file", str(tmp_path / "none.json"), "press", "panic_1") == 1
    assert "no site running" in capsys.readouterr().err


async def test_site_camera_from_the_onvif_simulator():
    """With cameras, the site runs simulators.onvif_camera cameras and can cut/restore them."""
    sim = Site(SiteOptions(cameras=1))
    await sim.start()
    try:
        entry = sim.address_book()["devices"]["camera_1"]
        assert entry["kind"] == "onvif_camera"
        assert entry["device_url"].endswith("/onvif/device_service")
        await sim.cut("camera_1")
        assert not sim.snapshot()["camera_1"]["running"]
        await sim.restore("camera_1")
        assert sim.snapshot()["camera_1"]["running"]
        assert sim.address_book()["devices"]["camera_1"]["port"] == entry["port"]
    finally:
        await sim.stop()


def test_demo_config_matches_the_site_ports():
    """config/demo.yaml names the ports `python -m simulators run` listens on."""
    import yaml

    from simulators.site import DEMO_BASE_PORT, PORT_OFFSETS

    demo = yaml.safe_load((Path(__file__).parents[2] / "config" / "demo.yaml").read_text())
    ports = {}
    for device in demo["devices"]:
        ports[device["name"]] = device.get("port") or int(device["url"].rsplit(":", 1)[1])
    expected = {
        "Main barrier": "barrier_1",
        "Visitor turnstile": "turnstile_1",
        "Gate IO module": "io_1",
        "Metal detector": "metal_1",
        "Gate speaker": "speaker_1",
        "Gate lockers": "lockers_1",
        "Gate camera 1": "camera_1",
    }
    for name, sim_name in expected.items():
        assert ports[name] == DEMO_BASE_PORT + PORT_OFFSETS[sim_name], name


async def test_cli_locker_actions(site, control_url, capsys):
    """`locker lockers_1 3 item` / `open` / `close` act on the bank; a bad action exits 1."""
    assert await cli("--url", control_url, "locker", "lockers_1", "3", "item") == 0
    assert await cli("--url", control_url, "locker", "lockers_1", "3", "open") == 0
    assert site.snapshot()["lockers_1"]["doors"]["3"] == {"open": True, "item": True}
    assert await cli("--url", control_url, "locker", "lockers_1", "3", "close") == 0
    assert site.snapshot()["lockers_1"]["doors"]["3"]["open"] is False
    capsys.readouterr()
    assert await cli("--url", control_url, "locker", "lockers_1", "3", "kick") == 1
    assert "unknown locker action 'kick'" in capsys.readouterr().out

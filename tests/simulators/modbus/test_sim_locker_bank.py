"""The simulated locker bank over Modbus: each real-device variance switch as a client sees it."""

from __future__ import annotations

from simulators.modbus import LockerBankSimulator


async def test_coil_relays_doors_and_item_sensors(connect):
    """Coil relays: writing coil 2 pops door 3 open; door contacts at 0.., item sensors at 16.."""
    sim = LockerBankSimulator(doors=4)
    await sim.start()
    try:
        client = await connect(sim)
        await client.write_coil(2, True, device_id=1)
        sim.put_item(1)
        doors = (await client.read_discrete_inputs(0, count=4, device_id=1)).bits[:4]
        items = (await client.read_discrete_inputs(16, count=4, device_id=1)).bits[:4]
        assert doors == [False, False, True, False] and items == [True, False, False, False]
        assert sim.unlocks == [3]
    finally:
        await sim.stop()


async def test_command_register_board_inverted_contacts_no_item_sensor(connect):
    """A lock board: door number into register 0 (others refused), NC contacts read 1 when
    closed, no coils (exception 1) and no item sensors (exception 2)."""
    sim = LockerBankSimulator(doors=4, relays="holding", inverted_door_sensor=True,
                              item_sensor=False)
    await sim.start()
    try:
        client = await connect(sim)
        assert not (await client.write_register(0, 2, device_id=1)).isError()
        assert (await client.write_register(0, 9, device_id=1)).exception_code == 3
        doors = (await client.read_discrete_inputs(0, count=4, device_id=1)).bits[:4]
        assert doors == [True, False, True, True]
        assert (await client.write_coil(0, True, device_id=1)).exception_code == 1
        assert (await client.read_discrete_inputs(16, count=4, device_id=1)).exception_code == 2
    finally:
        await sim.stop()

"""GB/T 28181: the hub as a lower-level platform in the police video network.

Protocol parts (SIP registration and keepalive, MANSCDP, PTZCmd, PS over RTP); the uplink
that joins them to the hub is built on the uplink contract (hub/uplinks).
"""

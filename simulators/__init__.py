"""Simulated school-gate devices that speak the real wire protocols."""

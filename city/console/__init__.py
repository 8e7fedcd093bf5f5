"""The web console of the city platform."""

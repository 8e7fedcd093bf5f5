"""The guard panel: static ES modules and CSS, served by hub.http.panel (no build step)."""

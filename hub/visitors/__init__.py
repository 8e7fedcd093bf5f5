"""The visitor check at the gate ("four ones"): metal detector pass, locker, photo, visitor log.

Set up by the HTTP component (the panel is where guards run the check; see component.py);
the services `visitor.check_in`, `visitor.check_out` and `visitor.take_photo` work for
automations too.
"""

from .config import VisitorsConfig

__all__ = ["VisitorsConfig"]

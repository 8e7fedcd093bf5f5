"""Run the simulated IP speaker alone: `python -m simulators.speaker speaker_1 --port 8081`."""

import sys

from ..cli import main

if len(sys.argv) < 2 or sys.argv[1].startswith("-"):
    sys.exit(__doc__)
_name, *_rest = sys.argv[1:]
_args = ["run", "--only", _name, "--cameras", "0", "--base-port", "0"]
if "--port" in _rest:
    _index = _rest.index("--port")
    _args += ["--port", f"{_name}={_rest[_index + 1]}"]
    del _rest[_index : _index + 2]
sys.exit(main(["--site-file", f"var/sim/{_name}.json", *_args, *_rest]))

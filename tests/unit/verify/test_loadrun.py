"""The Locust integration's one reliance on a private detail (event handler list)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from skylift.verify.service import loadrun

CODE = """
import sys
sys.path.insert(0, {folder!r})
import loadrun
rec = loadrun.Recorder()
runner = loadrun._start({{"url": "http://127.0.0.1:9", "paths": ["/"], "users": 1,
                         "duration_s": 1}}, rec)
handlers = runner.environment.events.request._handlers
runner.quit()
assert handlers == [rec.on_request], handlers
print("ok")
"""


def test_only_the_recorder_listens_to_requests() -> None:
    # in a process of its own: Locust (gevent) patches the standard library on import
    folder = str(Path(loadrun.__file__).parent)
    out = subprocess.run(
        [sys.executable, "-c", CODE.format(folder=folder)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert out.stdout.strip() == "ok", out.stderr[-2000:]

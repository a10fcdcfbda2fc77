"""The baseline process: only `import jwt` (what any PyJWT-based authorizer must load).

`python bench/floor_process.py RESULT` writes the peak RSS as JSON (VmHWM; see authorizer_process.py).
"""

import json
import resource
import sys
import time

import jwt  # noqa: F401 - the import is the whole point

ready_at = time.monotonic()  # the same clock in every process: see bench/__main__.py

peak_rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with open("/proc/self/status") as status:  # see authorizer_process.peak_rss_kb
    for line in status:
        if line.startswith("VmHWM:"):
            peak_rss_kb = int(line.split()[1])

with open(sys.argv[1], "w") as file:
    json.dump(
        {
            "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "peak_rss_kb": peak_rss_kb,
            "ready_at": ready_at,
        },
        file,
    )

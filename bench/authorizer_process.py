"""A Lambda container in miniature: import authorizer/app.py, then decide on every token of a file.

`python bench/authorizer_process.py TOKENS RESULT`: TOKENS has one token a line (read as they go, so
they cost no memory); RESULT gets the timings, the outcomes and the peak RSS as JSON. Nothing but
the authorizer is imported, so the cold start and the peak RSS are the authorizer's own.
"""

import time

started = time.perf_counter()

import app  # noqa: E402 - the import is what is being timed

imported = time.perf_counter()

import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402

ARN = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/api/private"


class Context:
    function_name = "authorizer"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:authorizer"
    log_group_name = "/aws/lambda/authorizer"
    log_stream_name = "2026/12/03/[$LATEST]0123456789abcdef"

    def __init__(self, n: int) -> None:
        self.aws_request_id = f"00000000-0000-4000-8000-{n:012d}"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def peak_rss_kb() -> int:
    """This process's own peak RSS (VmHWM). ru_maxrss is no good here: on Linux it carries over the
    parent's peak through fork and exec, so every child of a large parent reports the parent's size."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main(tokens_path: str, result_path: str) -> None:
    allowed = denied = 0
    first_decision = None
    first_decision_at = None
    with open(tokens_path) as tokens:
        for n, line in enumerate(tokens):
            request = {"type": "TOKEN", "authorizationToken": f"Bearer {line.strip()}", "methodArn": ARN}
            try:
                app.lambda_handler(request, Context(n))
                allowed += 1
            except Exception:
                denied += 1
            if first_decision is None:
                first_decision = time.perf_counter()
                first_decision_at = time.monotonic()  # the same clock in every process: see bench/__main__.py
    done = time.perf_counter()
    result = {
        "import_s": imported - started,
        "first_decision_s": (first_decision or done) - imported,
        "rest_s": done - (first_decision or done),
        "ready_at": first_decision_at,
        "allowed": allowed,
        "denied": denied,
        "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "peak_rss_kb": peak_rss_kb(),
    }
    with open(result_path, "w") as file:
        json.dump(result, file)


main(sys.argv[1], sys.argv[2])

"""The Locust users of ``bench/load.py``: each asks for one path, again and again, no pause.

``bench/load.py`` runs Locust headless once per endpoint (then once for its baseline) and
tells it what to ask through the environment:

- ``BOUCLE_LOAD_PATH``: the path and query string asked for;
- ``BOUCLE_LOAD_HEADERS``: a JSON object of headers (the session cookie or the API token,
  and ``X-Forwarded-Proto: https`` as the reverse proxy in front of Boucle sets it);
- ``BOUCLE_LOAD_RESULT``: the file where the run's figures are written as JSON when it ends.

Any answer but 200 (a redirect to the login page included) counts as a failure.
"""

from __future__ import annotations

import json
import os

from locust import FastHttpUser, constant, events, task

PATH = os.environ.get("BOUCLE_LOAD_PATH", "/")
HEADERS = json.loads(os.environ.get("BOUCLE_LOAD_HEADERS", "{}"))


class EndpointUser(FastHttpUser):
    wait_time = constant(0)

    @task
    def ask(self) -> None:
        with self.client.get(
            PATH, headers=HEADERS, name="endpoint", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"answered {response.status_code}")


@events.quitting.add_listener
def write_result(environment, **kwargs) -> None:
    result = os.environ.get("BOUCLE_LOAD_RESULT")
    if not result:
        return
    total = environment.stats.total
    figures = {
        "requests": total.num_requests,
        "failures": total.num_failures,
        "rps": total.total_rps,
        "p50": total.get_response_time_percentile(0.5),
        "p95": total.get_response_time_percentile(0.95),
        "p99": total.get_response_time_percentile(0.99),
        "errors": [str(error.error) for error in environment.stats.errors.values()][:3],
    }
    with open(result, "w", encoding="utf-8") as file:
        json.dump(figures, file)

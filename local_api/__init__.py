"""A Docker-free local runner for the SAM template: API Gateway (REST, Lambda proxy) semantics in-process.

`python -m local_api` serves the template's routes; `python -m local_api.invoke` runs one function once.
"""

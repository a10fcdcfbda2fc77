"""`make bench`: the authorizer's cold start and per-request cost, each beside its baseline.

Not part of the tests: nothing here asserts a time. See bench/__main__.py for the table.
"""

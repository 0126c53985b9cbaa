"""Helpers the tests share: plain modules, no fixtures (those stay in conftest.py files)."""

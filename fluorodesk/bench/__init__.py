"""Benchmarks at clinic scale (`fluorodesk bench`)."""

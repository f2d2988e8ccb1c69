"""The corpus stage: records and their rules, loading with file:line errors, ingested documents cut into
passages, and quotes checked against their originals.
"""

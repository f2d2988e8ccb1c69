"""Offline tools, not on the answer path: retrieval evaluation and the feedback log."""

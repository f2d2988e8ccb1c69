"""The retrieval stage: reading a question, embedding it, the vector index, and ranking records for it."""

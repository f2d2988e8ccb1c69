"""Local-model answers (optional): backends that generate text, the verifier that checks each sentence,
and the one orchestration that frames an answer with what survives.
"""

"""The answering stage: ranked records turned into cards, an extractive answer, a conversation, and the
citation strings people copy.
"""

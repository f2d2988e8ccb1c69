"""Ask Karpathy: answers "what would Andrej Karpathy say about X?" with his own words, cited.

The data flows one way: corpus -> index -> search -> answer -> render (CLI, web, API).
"""

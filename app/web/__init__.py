"""The web front: the Gradio chat, its API and MCP tools, the HTML it renders, and the server that runs it."""

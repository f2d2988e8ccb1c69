"""Ask Karpathy: answers "what would Andrej Karpathy say about X?" with his own words, cited.

The data flows one way: corpus -> index -> search -> answer -> render (CLI, web, API).
"""

import os

# Nothing leaves the machine, in every process, from its first import. Libraries read these when they are
# imported (huggingface_hub's constants, gradio's analytics, ONNX Runtime's telemetry), so they are set
# here, once, before anything in this package can import them. Without HF_HUB_OFFLINE an MCP tool call
# made the server ask huggingface.co for its "agent harnesses" (Gradio builds a gradio_client.Client).
OFFLINE = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",
    "DO_NOT_TRACK": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ORT_DISABLE_TELEMETRY": "1",  # ONNX Runtime: its import alone wrote a device id and a telemetry queue
}
os.environ.update(OFFLINE)

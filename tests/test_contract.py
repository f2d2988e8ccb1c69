"""One result contract: the CLI, the web API (gradio_client) and the MCP tools answer the same question
with the same JSON, in the shape docs/contract.schema.json describes."""

import json

import pytest
from gradio_client import Client
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from app.config import REPO_DIR
from app.contract import Answer, SearchResponse, json_schema

QUESTION = "what would Karpathy say about the data engine?"


@pytest.fixture(scope="module")
def url(web_url):
    return web_url


def cli_json(ask_karpathy, *args) -> dict:
    result = ask_karpathy(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def mcp_json(url: str, tool: str, arguments: dict, run_async) -> dict:
    async def call():
        async with streamable_http_client(f"{url}gradio_api/mcp/") as (read, write, _):
            async with ClientSession(read, write) as session:
                await session.initialize()
                return await session.call_tool(tool, arguments)

    reply = run_async(call())
    assert not reply.isError, reply.content
    return json.loads(reply.content[0].text)


@pytest.mark.parametrize("command, api_name, model", [("ask", "/ask", Answer), ("search", "/search", SearchResponse)])
def test_cli_api_and_mcp_return_the_same_json(url, ask_karpathy, run_async, command, api_name, model):
    from_cli = cli_json(ask_karpathy, command, QUESTION)
    from_api = json.loads(Client(url, verbose=False).predict(question=QUESTION, api_name=api_name))
    from_mcp = mcp_json(url, command, {"question": QUESTION}, run_async)
    assert from_cli == from_api == from_mcp
    assert model.model_validate(from_cli).citations[0].id == 11
    assert len(from_cli["citations"]) <= 3  # the same default everywhere


def test_nothing_internal_leaves_through_the_contract(ask_karpathy):
    answer = json.dumps(cli_json(ask_karpathy, "ask", QUESTION))
    insight = json.dumps([field for field in ("keywords", "questions") if f'"{field}"' in answer])
    assert insight == "[]" and str(REPO_DIR) not in answer


def test_the_schema_in_docs_is_the_contract():
    """`python -m app.contract > docs/contract.schema.json` after changing app/contract.py."""
    assert json.loads((REPO_DIR / "docs" / "contract.schema.json").read_text()) == json_schema()

"""Drive `gpu mcp` with the official MCP Python SDK, as an agent's host would.

Usage: python3 tests/mcp_client.py PATH_TO_GPU
Prints one JSON line that the Rust test (tests/cli/mcp.rs) checks. The environment (base
URLs of the fakes, keys, data directories) is the test's own.
"""

import asyncio
import json
import os
import sys

from mcp import ClientSession, StdioServerParameters, types
from mcp.client.stdio import stdio_client

asked = []
answers = ["accept", "decline"]


async def confirm(context, params):
    asked.append(params.message)
    if answers.pop(0) == "accept":
        return types.ElicitResult(action="accept", content={"launch": True})
    return types.ElicitResult(action="decline")


async def main():
    server = StdioServerParameters(command=sys.argv[1], args=["mcp"], env=dict(os.environ))
    report = {}
    async with stdio_client(server) as (read, write):
        async with ClientSession(read, write, elicitation_callback=confirm) as session:
            await session.initialize()
            tools = await session.list_tools()
            report["tools"] = sorted(t.name for t in tools.tools)
            found = await session.call_tool("find_offers", {"gpu": ["a10"]})
            assert not found.is_error, found
            report["offers"] = len(found.structured_content["offers"])
            launched = await session.call_tool(
                "launch", {"gpu": ["a10"], "ttl": "1h", "name": "py"}
            )
            assert not launched.is_error, launched
            report["launched"] = launched.structured_content["instance"]
            declined = await session.call_tool(
                "launch", {"gpu": ["a10"], "ttl": "1h", "name": "py2"}
            )
            assert declined.is_error, declined
            report["declined"] = declined.structured_content["error"]
            released = await session.call_tool("release", {"all": True})
            assert not released.is_error, released
            report["released"] = released.structured_content["released"][0]["result"]
    report["asked"] = asked
    print(json.dumps(report))


asyncio.run(main())

"""Scripted MCP stdio test client built on the official Python SDK (mcp 2.x).

Usage:
    python mcp_client.py --era legacy|modern --script SCRIPT.json -- COMMAND [ARGS...]

Spawns COMMAND as an MCP stdio server (full current environment, stderr passed
through), connects in the requested era, runs the script steps
({"list_tools": true} or {"call": NAME, "arguments": {...}}) and prints one JSON
document: {"protocolVersion", "serverInfo", "results": [...]}.

Era forcing uses the SDK's ClientSession directly rather than mcp.Client:
  * legacy: ClientSession.initialize() sends `initialize` at
    LATEST_HANDSHAKE_VERSION (2025-11-25) and then `notifications/initialized`;
    this is exactly what Client(mode="legacy") does.
  * modern: ClientSession.send_discover("2026-07-28") + adopt(). Client offers
    no mode that both sends `server/discover` and refuses the legacy fallback:
    mode="auto" silently falls back to `initialize`, and mode="2026-07-28" adopts
    a synthesized DiscoverResult without any discover traffic.
A JSON-RPC error on a step is reported as {"error": {code, message}}; any other
client-side failure on a step (e.g. the SDK rejecting a result that fails
validation) as {"clientError": "..."}. Exit 1 if the connection itself fails.
"""

import argparse
import json
import os
import sys

import anyio
import mcp_types as types
from mcp import ClientSession, MCPError, StdioServerParameters, stdio_client

MODERN_VERSION = "2026-07-28"
TOOL_KEYS = ("name", "title", "description", "inputSchema", "annotations")


def dump(model):
    return None if model is None else model.model_dump(by_alias=True, mode="json", exclude_none=True)


async def connect(session: ClientSession, era: str) -> None:
    if era == "legacy":
        await session.initialize()
    else:  # no fallback: a discover error or a non-modern answer fails the connection
        session.adopt(types.DiscoverResult.model_validate(await session.send_discover(MODERN_VERSION)))


async def run_step(session: ClientSession, step: dict) -> dict:
    try:
        if step.get("list_tools"):
            tools, cursor = [], None
            while True:
                page = await session.list_tools(params=types.PaginatedRequestParams(cursor=cursor))
                tools += [{k: dump(t).get(k) for k in TOOL_KEYS} for t in page.tools]
                if not (cursor := page.next_cursor):
                    return {"tools": tools}
        result = await session.call_tool(step["call"], step.get("arguments"))
        return {
            "isError": bool(result.is_error),
            "content": [dump(c) for c in result.content],
            "structuredContent": result.structured_content,
        }
    except MCPError as e:
        return {"error": {"code": e.code, "message": e.message}}
    except Exception as e:  # SDK-side rejection of the server's answer
        return {"clientError": f"{type(e).__name__}: {e}"}


async def main(args: argparse.Namespace, steps: list) -> dict:
    params = StdioServerParameters(command=args.command[0], args=args.command[1:], env=dict(os.environ))
    async with stdio_client(params, errlog=sys.stderr) as (read, write):
        async with ClientSession(read, write, read_timeout_seconds=args.timeout) as session:
            await connect(session, args.era)
            out = {"protocolVersion": session.protocol_version, "serverInfo": dump(session.server_info)}
            out["results"] = [await run_step(session, step) for step in steps]
            return out


def leaf_errors(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for sub in exc.exceptions for leaf in leaf_errors(sub)]
    return [exc]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--era", choices=("legacy", "modern"), required=True)
    parser.add_argument("--script", required=True, help="JSON array of steps")
    parser.add_argument("--timeout", type=float, default=60.0, help="per-request timeout, seconds")
    parser.add_argument("command", nargs="+", help="server command (after --)")
    args = parser.parse_args()
    with open(args.script) as f:
        steps = json.load(f)
    try:
        output = anyio.run(main, args, steps)
    except Exception as exc:
        msgs = "; ".join(f"{type(e).__name__}: {e}" for e in leaf_errors(exc))
        print(f"mcp_client: connection failed: {msgs}", file=sys.stderr)
        sys.exit(1)
    json.dump(output, sys.stdout, indent=2)
    print()

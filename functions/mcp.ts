/**
 * POST /mcp: the MCP endpoint (Streamable HTTP, stateless, JSON responses) on the SDK's McpServer
 * (shared/mcp/server.ts). The JWT authorizer has verified the caller; the tools act as that caller. GET /mcp answers
 * 405: there is no server-initiated stream in stateless mode.
 */

import { cursorKeySource } from '../shared/cursor-key-source.js';
import { routeFunction } from '../shared/http/route-function.js';
import { mcpRoute } from '../shared/http/routes/mcp.js';
import { requestOf, resultOf } from '../shared/mcp/lambda-http.js';
import { answerMcp } from '../shared/mcp/server.js';
import { readDeps } from '../shared/wiring.js';

const deps = readDeps(cursorKeySource());

const methodNotAllowed = {
  statusCode: 405,
  headers: { 'content-type': 'application/json', allow: 'POST' },
  body: JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed.' }, id: null }),
};

// Both routes (mcpRoute, mcpStreamRoute) take the same input: the caller, and a body the SDK parses.
export const handler = routeFunction(mcpRoute, async ({ caller, event }) => {
  if (event.requestContext.http.method !== 'POST') return methodNotAllowed;
  return resultOf(await answerMcp(deps, caller, requestOf(event)));
});

import { defineRoute } from '../route.js';

/** The MCP SDK parses the JSON-RPC body itself (shared/mcp/server.ts). */
export const mcpRoute = defineRoute({ fn: 'mcp', method: 'POST', path: '/mcp', auth: 'jwt' });

/** No server-initiated stream in stateless mode: the same function answers 405. */
export const mcpStreamRoute = defineRoute({ fn: 'mcp', method: 'GET', path: '/mcp', auth: 'jwt' });

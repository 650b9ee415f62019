/**
 * The MCP server an agent talks to: the SDK's McpServer with every tool of shared/mcp/tools.ts registered, on the
 * SDK's web-standard Streamable HTTP transport, stateless (no session) and answering JSON (no event stream). A
 * server and a transport are built for each request, acting as the caller whose JWT the gateway verified.
 *
 * The SDK does the protocol: initialize and version negotiation, ping, tools/list with the tools' JSON Schemas
 * (from their zod schemas), tools/call with input validation, JSON-RPC errors, and on the HTTP side the Accept
 * and Content-Type checks, batches, parse errors, the protocol version header and 202 for notifications.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { type CallToolResult, ErrorCode, isJSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';
import { DomainError } from '../errors.js';
import type { Caller } from '../http/request.js';
import { logger } from '../logger.js';
import type { ReadDeps } from '../use-cases/read-items.js';
import { MCP_INSTRUCTIONS, MCP_SERVER_INFO, TOOLS, type ToolContext, type ToolDefinition } from './tools.js';

const OUR_FAULT = 'Something went wrong on our side. It has been logged.';

/** A new server acting as `caller`, with every tool registered. */
export function createMcpServer(deps: ReadDeps, caller: Caller, tools: readonly ToolDefinition[] = TOOLS) {
  const server = new McpServer(MCP_SERVER_INFO, { instructions: MCP_INSTRUCTIONS });
  const context: ToolContext = { deps, caller };
  for (const tool of tools) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.input,
        outputSchema: tool.listedOutput ?? tool.output,
        annotations: { readOnlyHint: true, openWorldHint: false },
      },
      (input) => callTool(tool, context, input),
    );
  }
  return server;
}

/** Answers one MCP HTTP request as `caller`. */
export async function answerMcp(
  deps: ReadDeps,
  caller: Caller,
  request: Request,
  tools: readonly ToolDefinition[] = TOOLS,
): Promise<Response> {
  const server = createMcpServer(deps, caller, tools);
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  try {
    await server.connect(transport);
    refuseUnknownTools(transport, new Set(tools.map((tool) => tool.name)));
    return await transport.handleRequest(request);
  } finally {
    await server.close();
  }
}

/**
 * Runs a tool. A DomainError is a tool error with its text (`Not found: No review item ri_...`), so the model can
 * read it and correct itself; anything else is logged and answered as our fault. The answer must be what the
 * output schema says (anything else is our bug, logged, never the caller's problem).
 */
async function callTool(tool: ToolDefinition, context: ToolContext, input: unknown): Promise<CallToolResult> {
  let output: unknown;
  try {
    output = await tool.run(context, input as Parameters<ToolDefinition['run']>[1]);
  } catch (error) {
    if (error instanceof DomainError) return toolError(`${error.title}: ${error.message}`);
    logger.error('MCP tool failed', { tool: tool.name, error: error as Error });
    return toolError(OUR_FAULT);
  }
  const checked = tool.output.safeParse(output);
  if (!checked.success) {
    logger.error('MCP tool answered outside its output schema', {
      tool: tool.name,
      issues: checked.error.issues,
    });
    return toolError(OUR_FAULT);
  }
  return {
    content: [{ type: 'text', text: tool.describe(checked.data) }],
    structuredContent: output as Record<string, unknown>,
  };
}

const toolError = (text: string): CallToolResult => ({ isError: true, content: [{ type: 'text', text }] });

/**
 * A call of a tool that does not exist is a JSON-RPC error (-32602), as the MCP specification lists unknown tools
 * among protocol errors; McpServer would answer it as a tool result with `isError`
 * (modelcontextprotocol/typescript-sdk#1956). Every other message goes to the server untouched.
 */
function refuseUnknownTools(transport: Transport, known: ReadonlySet<string>): void {
  const deliver = transport.onmessage;
  transport.onmessage = (message, extra) => {
    if (isJSONRPCRequest(message) && message.method === 'tools/call') {
      const name = (message.params as { name?: unknown } | undefined)?.name;
      if (typeof name === 'string' && !known.has(name)) {
        transport
          .send({
            jsonrpc: '2.0',
            id: message.id,
            error: { code: ErrorCode.InvalidParams, message: `Unknown tool: ${name}` },
          })
          .catch((error: unknown) => logger.error('MCP reply could not be sent', { error: error as Error }));
        return;
      }
    }
    deliver?.(message, extra);
  };
}

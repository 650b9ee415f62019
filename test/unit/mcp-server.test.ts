/**
 * The MCP server's own rules, on a table of test tools (no store, no network): a tool is one entry in the table;
 * the SDK lists it with its schemas and validates its input; a domain error reads as its text, anything else as
 * our fault; an answer outside the output schema never leaves; an unknown tool is a JSON-RPC error. The real
 * tools are proved through the local runtime by test/e2e/mcp.test.ts.
 */
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { NotFoundError } from '../../shared/errors.js';
import { answerMcp } from '../../shared/mcp/server.js';
import { defineTool, TOOLS, type ToolDefinition } from '../../shared/mcp/tools.js';
import type { ReadDeps } from '../../shared/use-cases/read-items.js';

const caller = { userId: 'u_alice', workspaceId: 'ws_acme' };
// The test tools read nothing: no store is needed.
const deps = {} as unknown as ReadDeps;

const echo = defineTool({
  name: 'echo',
  title: 'Echo',
  description: 'Answers what it is given',
  input: z.object({ word: z.string().min(1).max(10), fail: z.enum(['domain', 'bug', 'shape']).optional() }),
  output: z.object({ word: z.string(), by: z.string() }),
  run: async ({ caller }, { word, fail }) => {
    if (fail === 'domain') throw new NotFoundError(`No word ${word}`);
    if (fail === 'bug') throw new Error('a secret stack');
    if (fail === 'shape') return { word: 42, by: caller.userId };
    return { word, by: caller.userId };
  },
  describe: ({ word, by }) => `${by} said ${word}`,
});

async function rpc(tools: readonly ToolDefinition[], method: string, params: Record<string, unknown> = {}) {
  const response = await answerMcp(
    deps,
    caller,
    new Request('https://api.example.com/mcp', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': LATEST_PROTOCOL_VERSION,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method, params }),
    }),
    tools,
  );
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('application/json');
  return (await response.json()) as {
    id: number;
    result?: Record<string, unknown>;
    error?: { code: number };
  };
}

type ToolResult = { isError?: boolean; content: { text: string }[]; structuredContent?: unknown };
const call = async (args: Record<string, unknown>, tools = [echo]) =>
  (await rpc(tools, 'tools/call', { name: 'echo', arguments: args })).result as ToolResult;

describe('the MCP server', () => {
  it('answers initialize as a stateless tools server with its instructions', async () => {
    const { result } = await rpc([echo], 'initialize', {
      protocolVersion: LATEST_PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: { name: 'test', version: '1' },
    });

    expect(result).toMatchObject({
      protocolVersion: LATEST_PROTOCOL_VERSION,
      capabilities: { tools: {} },
      serverInfo: { name: 'for-review' },
    });
    expect(result?.instructions).toContain("users' private runs do not exist for you");
  });

  it('lists a tool of the table with its JSON Schemas and read-only annotations', async () => {
    const { result } = await rpc([echo], 'tools/list');

    expect(result?.tools).toEqual([
      expect.objectContaining({
        name: 'echo',
        title: 'Echo',
        inputSchema: expect.objectContaining({ type: 'object', required: ['word'] }),
        outputSchema: expect.objectContaining({ type: 'object', required: ['word', 'by'] }),
        annotations: { readOnlyHint: true, openWorldHint: false },
      }),
    ]);
  });

  it('lists the real tools in at most 12 KB, so an agent carries little of them into every conversation', async () => {
    const { result } = await rpc(TOOLS, 'tools/list');
    const listed = result?.tools as { name: string; outputSchema?: unknown }[];

    expect(listed.map((tool) => tool.name)).toEqual(TOOLS.map((tool) => tool.name));
    for (const tool of listed) expect(tool.outputSchema).toMatchObject({ type: 'object' });
    expect(Buffer.byteLength(JSON.stringify(result))).toBeLessThanOrEqual(12 * 1024);
  });

  it('runs a tool as the caller and answers text and structured content', async () => {
    expect(await call({ word: 'hi' })).toEqual({
      content: [{ type: 'text', text: 'u_alice said hi' }],
      structuredContent: { word: 'hi', by: 'u_alice' },
    });
  });

  it('answers invalid input as a tool error naming the field', async () => {
    const result = await call({ word: 'much-too-long' });

    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toContain('word');
  });

  it('answers a domain error with its text, and any other error without its details', async () => {
    expect(await call({ word: 'x', fail: 'domain' })).toEqual({
      isError: true,
      content: [{ type: 'text', text: 'Not found: No word x' }],
    });
    const bug = await call({ word: 'x', fail: 'bug' });
    expect(bug).toEqual({
      isError: true,
      content: [{ type: 'text', text: 'Something went wrong on our side. It has been logged.' }],
    });
  });

  it('never lets an answer outside the output schema leave', async () => {
    const result = await call({ word: 'x', fail: 'shape' });

    expect(result.isError).toBe(true);
    expect(JSON.stringify(result)).not.toContain('42');
  });

  it('answers an unknown tool with JSON-RPC error -32602, not a tool result', async () => {
    const answer = await rpc([echo], 'tools/call', { name: 'delete_everything', arguments: {} });

    expect(answer.result).toBeUndefined();
    expect(answer.error?.code).toBe(-32602);
    expect(answer.id).toBe(7);
  });

  it('offers the six review tools, each read-only', async () => {
    expect(TOOLS.map((tool) => tool.name)).toEqual([
      'list_review_items',
      'get_review_item',
      'review_stats',
      'list_automations',
      'automation_feedback',
      'who_is_away',
    ]);
    const { result } = await rpc(TOOLS, 'tools/list');
    expect(result?.tools).toHaveLength(6);
  });
});

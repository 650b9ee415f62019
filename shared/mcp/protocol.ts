/**
 * The few MCP methods a stateless, tools-only server answers (initialize, ping, tools/list, tools/call), on the
 * SDK's web-standard Streamable HTTP transport and with the SDK's own message schemas.
 *
 * Why not the SDK's McpServer: it brings a second zod (v3), zod-to-json-schema and ajv into the bundle (about
 * 300 KB minified), which put the `mcp` function past the size budget every function keeps (SPEC 8, `npm run
 * bundle-report`: at most 3x the AWS SDK clients it needs). What it would add here (sessions, resources,
 * prompts, sampling, tasks) a stateless read-only endpoint does not use. Tool schemas are zod 4 (`z.toJSONSchema`);
 * the HTTP semantics (Accept and Content-Type checks, batches, parse errors, protocol version header, 202 for
 * notifications, JSON responses) stay the SDK transport's.
 */
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  InitializeRequestSchema,
  type InitializeResult,
  isJSONRPCRequest,
  type JSONRPCMessage,
  type JSONRPCRequest,
  LATEST_PROTOCOL_VERSION,
  type ListToolsResult,
  SUPPORTED_PROTOCOL_VERSIONS,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod';
import { DomainError } from '../errors.js';
import { logger } from '../logger.js';

export interface ToolSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  /**
   * The structured answer, checked against `output` before it leaves; a DomainError becomes a tool error the model
   * can read (not found, invalid...).
   */
  run: (input: z.output<I>) => Promise<unknown>;
  /** The checked answer as text for the model. */
  describe: (output: z.output<O>) => string;
}

/** A tool with its types erased, for a list of tools of different types. */
export const tool = <I extends z.ZodType, O extends z.ZodType>(spec: ToolSpec<I, O>): ToolSpec =>
  spec as unknown as ToolSpec;

export interface ServerInfo {
  name: string;
  version: string;
  title?: string;
  instructions?: string;
}

/** A JSON-RPC error answered as such (not a tool error). */
class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const jsonSchemaOf = (schema: z.ZodType, io: 'input' | 'output') => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, target: 'draft-2020-12' }) as Record<
    string,
    unknown
  >;
  return rest as Tool['inputSchema'];
};

export class ToolServer {
  private readonly byName: Map<string, ToolSpec>;
  private readonly definitions: Tool[];

  constructor(
    private readonly info: ServerInfo,
    tools: ToolSpec[],
  ) {
    this.byName = new Map(tools.map((t) => [t.name, t]));
    this.definitions = tools.map((t) => ({
      name: t.name,
      title: t.title,
      description: t.description,
      inputSchema: jsonSchemaOf(t.input, 'input'),
      outputSchema: jsonSchemaOf(t.output, 'output'),
      annotations: { readOnlyHint: true, openWorldHint: false },
    }));
  }

  /** Answers every request the transport receives; notifications and responses need no answer. */
  async connect(transport: Transport): Promise<void> {
    transport.onmessage = (message: JSONRPCMessage) => {
      if (!isJSONRPCRequest(message)) return;
      this.reply(message).then(
        (reply) => transport.send(reply),
        (error: unknown) => logger.error('MCP reply could not be sent', { error: error as Error }),
      );
    };
    transport.onerror = (error) => logger.warn('MCP transport error', { error });
    await transport.start();
  }

  async reply(request: JSONRPCRequest): Promise<JSONRPCMessage> {
    try {
      return { jsonrpc: '2.0', id: request.id, result: await this.answer(request) };
    } catch (error) {
      if (!(error instanceof RpcError))
        logger.error('MCP request failed', { method: request.method, error: error as Error });
      const { code, message } =
        error instanceof RpcError ? error : { code: ErrorCode.InternalError, message: 'Internal error' };
      return { jsonrpc: '2.0', id: request.id, error: { code, message } };
    }
  }

  private async answer(request: JSONRPCRequest): Promise<Record<string, unknown>> {
    switch (request.method) {
      case 'initialize': {
        const { params } = parse(InitializeRequestSchema, request);
        const requested = params.protocolVersion;
        const result: InitializeResult = {
          protocolVersion: SUPPORTED_PROTOCOL_VERSIONS.includes(requested)
            ? requested
            : LATEST_PROTOCOL_VERSION,
          capabilities: { tools: { listChanged: false } },
          serverInfo: {
            name: this.info.name,
            version: this.info.version,
            ...(this.info.title ? { title: this.info.title } : {}),
          },
          ...(this.info.instructions ? { instructions: this.info.instructions } : {}),
        };
        return result;
      }
      case 'ping':
        return {};
      case 'tools/list':
        return { tools: this.definitions } satisfies ListToolsResult;
      case 'tools/call': {
        const { params } = parse(CallToolRequestSchema, request);
        const spec = this.byName.get(params.name);
        if (!spec) throw new RpcError(ErrorCode.InvalidParams, `Unknown tool: ${params.name}`);
        return this.call(spec, params.arguments ?? {});
      }
      default:
        throw new RpcError(ErrorCode.MethodNotFound, `Method not found: ${request.method}`);
    }
  }

  /** Runs a tool. Invalid input and domain errors are tool errors, so the model can read them and correct itself. */
  private async call(spec: ToolSpec, args: Record<string, unknown>): Promise<CallToolResult> {
    const input = spec.input.safeParse(args);
    if (!input.success) {
      const issues = input.error.issues
        .map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`)
        .join('; ');
      return toolError(`Invalid input for ${spec.name}: ${issues}`);
    }
    let output: unknown;
    try {
      output = await spec.run(input.data);
    } catch (error) {
      if (error instanceof DomainError) return toolError(`${error.title}: ${error.message}`);
      logger.error('MCP tool failed', { tool: spec.name, error: error as Error });
      return toolError('Something went wrong on our side. It has been logged.');
    }
    // The answer must be what the tool's output schema says; anything else is our bug, not the caller's.
    const checked = spec.output.safeParse(output);
    if (!checked.success) {
      logger.error('MCP tool answered outside its output schema', {
        tool: spec.name,
        issues: checked.error.issues,
      });
      return toolError('Something went wrong on our side. It has been logged.');
    }
    return {
      content: [{ type: 'text', text: spec.describe(checked.data) }],
      structuredContent: output as Record<string, unknown>,
    };
  }
}

function parse<S extends z.ZodType>(schema: S, request: JSONRPCRequest): z.output<S> {
  const parsed = schema.safeParse(request);
  if (!parsed.success) throw new RpcError(ErrorCode.InvalidParams, `Invalid params for ${request.method}`);
  return parsed.data;
}

const toolError = (text: string): CallToolResult => ({ isError: true, content: [{ type: 'text', text }] });

/**
 * The OpenAPI 3.1 document of the HTTP API, built from the route specs (shared/http/routes/: what the handlers
 * parse requests with), what each route answers (operations.ts) and the zod schemas of the answers
 * (`z.toJSONSchema`; OpenAPI 3.1 schemas are JSON Schema 2020-12). Served at GET /openapi.json and written to
 * docs/openapi.json by `npm run openapi`.
 */
import * as z from 'zod';
import { emailWebhookSchema } from '../domain/email-webhook.js';
import { executedAsSchema, relatedRecordSchema } from '../domain/primitives.js';
import { pathParamNamesOf, pathParamSchema } from '../http/request.js';
import {
  approveRequestSchema,
  dismissRequestSchema,
  editRequestSchema,
  settingsRequestSchema,
  undoRequestSchema,
} from '../http/requests.js';
import {
  actorSchema,
  conflictProblemSchema,
  decisionSchema,
  draftPreviewSchema,
  draftSchema,
  gatewayMessageSchema,
  healthSchema,
  historyEntrySchema,
  historySchema,
  originSchema,
  permissionsSchema,
  problemSchema,
  reviewItemListSchema,
  reviewItemSchema,
  reviewItemSummarySchema,
  reviewStatsSchema,
  reviewStatusSchema,
  reviewSummarySchema,
  sendErrorSchema,
  sendFailedProblemSchema,
  validationProblemSchema,
  webhookAnswerSchema,
  workspaceSettingsSchema,
} from '../http/responses.js';
import type { RouteSpec } from '../http/route.js';
import { routes as httpRoutes } from '../http/routes/index.js';
import {
  jsonRpcMessageSchema,
  jsonRpcPayloadSchema,
  type OperationSpec,
  operations,
  type ProblemStatus,
} from './operations.js';

export const API_VERSION = '0.1.0';
const SCHEMA_REF = '#/components/schemas/';

type JsonSchema = Record<string, unknown>;

/** Named response components (what the API answers), as JSON Schema in output mode. */
const OUTPUT_COMPONENTS: [string, z.core.$ZodType][] = [
  ['ReviewItem', reviewItemSchema],
  ['ReviewItemSummary', reviewItemSummarySchema],
  ['ReviewItemList', reviewItemListSchema],
  ['ReviewSummary', reviewSummarySchema],
  ['History', historySchema],
  ['HistoryEntry', historyEntrySchema],
  ['ReviewStats', reviewStatsSchema],
  ['ReviewStatus', reviewStatusSchema],
  ['Draft', draftSchema],
  ['DraftPreview', draftPreviewSchema],
  ['Origin', originSchema],
  ['ExecutedAs', executedAsSchema],
  ['RelatedRecord', relatedRecordSchema],
  ['Decision', decisionSchema],
  ['Permissions', permissionsSchema],
  ['SendError', sendErrorSchema],
  ['Actor', actorSchema],
  ['WebhookAnswer', webhookAnswerSchema],
  ['WorkspaceSettings', workspaceSettingsSchema],
  ['Health', healthSchema],
  ['Problem', problemSchema],
  ['ValidationProblem', validationProblemSchema],
  ['ConflictProblem', conflictProblemSchema],
  ['SendFailedProblem', sendFailedProblemSchema],
  ['GatewayMessage', gatewayMessageSchema],
  ['JsonRpcMessage', jsonRpcMessageSchema],
  ['JsonRpcPayload', jsonRpcPayloadSchema],
];

/** Named request bodies, as JSON Schema in input mode (what the handlers accept). */
const INPUT_COMPONENTS: [string, z.core.$ZodType][] = [
  ['EditRequest', editRequestSchema],
  ['ApproveRequest', approveRequestSchema],
  ['DismissRequest', dismissRequestSchema],
  ['UndoRequest', undoRequestSchema],
  ['SettingsRequest', settingsRequestSchema],
  ['EmailWebhookEvent', emailWebhookSchema],
];

const PROBLEMS: Record<ProblemStatus, { description: string; schema: z.core.$ZodType }> = {
  400: {
    description: 'Invalid input: what is wrong and where, in `errors`',
    schema: validationProblemSchema,
  },
  401: { description: 'No valid credentials', schema: problemSchema },
  403: { description: 'The caller can see the item but may not do this to it', schema: problemSchema },
  404: {
    description: 'Unknown, invisible or other-workspace id: it does not exist for the caller',
    schema: problemSchema,
  },
  409: {
    description: 'Another action won, or the version is stale: the item’s status and version in `current`',
    schema: conflictProblemSchema,
  },
  500: { description: 'Something went wrong on our side; nothing is exposed', schema: problemSchema },
  502: {
    description: 'SES rejected the email; the item is pending again (in `item`)',
    schema: sendFailedProblemSchema,
  },
  504: {
    description: 'The send’s outcome is unknown; the item is send_unknown (in `item`)',
    schema: sendFailedProblemSchema,
  },
};

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: Record<string, unknown>;
  servers: { url: string; description: string; variables?: Record<string, JsonSchema> }[];
  tags: { name: string; description: string }[];
  paths: Record<string, Record<string, JsonSchema>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, JsonSchema> };
}

/** The document for these routes (default: every HTTP route). */
export function openApiDocument(routes: readonly RouteSpec[] = httpRoutes): OpenApiDocument {
  const keys = new Set(routes.map((r) => `${r.method} ${r.path}`));
  const stale = Object.keys(operations).filter((key) => !keys.has(key));
  if (stale.length > 0 && routes === httpRoutes) {
    throw new Error(`OpenAPI operations without a route: ${stale.join(', ')}`);
  }

  const names = new Map<z.core.$ZodType, string>();
  const schemas = {
    ...componentSchemas(OUTPUT_COMPONENTS, 'output', names),
    ...componentSchemas(INPUT_COMPONENTS, 'input', names),
  };

  const paths: OpenApiDocument['paths'] = {};
  for (const route of routes) {
    const key = `${route.method} ${route.path}`;
    const spec = operations[key];
    if (!spec) throw new Error(`No OpenAPI operation for the route ${key} (shared/openapi/operations.ts)`);
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, JsonSchema>)[route.method.toLowerCase()] = operation(
      route,
      spec,
      names,
    );
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'For review',
      version: API_VERSION,
      summary: 'Review automation drafts before they go out',
      description:
        'Automations propose drafts; reviewers edit, approve (the email is sent through SES) or dismiss them. ' +
        'Callers authenticate with `Authorization: Bearer <JWT>`: the user is the `sub` claim, the workspace the ' +
        '`workspace_id` claim. Errors are RFC 9457 problem details (application/problem+json). Items a caller ' +
        'may not see (run privacy) do not exist for them: 404, never 403.',
    },
    // Where the API runs; the document itself is the same everywhere, so the hosts are variables.
    servers: [
      {
        url: 'http://127.0.0.1:{port}',
        description: 'The local runtime (`npm start`)',
        variables: { port: { default: '3000', description: 'PORT of npm start' } },
      },
      {
        url: 'https://{apiId}.execute-api.{region}.amazonaws.com',
        description: "A deployed stack: its stateless stack's ApiUrl output",
        variables: {
          apiId: { default: 'abc123', description: 'The HTTP API id (ApiUrl)' },
          region: { default: 'eu-west-1', description: 'The AWS region of the stack' },
        },
      },
    ],
    tags: [
      { name: 'Review items', description: 'The queue and the actions on an item' },
      { name: 'Records', description: 'Items about a CRM record' },
      { name: 'Automations', description: 'How an automation’s proposals fare in review' },
      { name: 'Delegation', description: 'Out of office: who reviews a member’s items while they are away' },
      { name: 'Privacy', description: 'Erasure on request: everything about an email address or a record' },
      {
        name: 'Agents (MCP)',
        description: 'The same reads as tools for agents, with the caller’s permissions',
      },
      { name: 'Webhooks', description: 'Events from the email provider' },
      { name: 'Settings', description: 'The workspace’s review settings' },
      { name: 'Service', description: 'Health and this document' },
    ],
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'Verified by the API Gateway JWT authorizer; `sub` is the user, `workspace_id` the workspace',
        },
      },
    },
  };
}

function componentSchemas(
  entries: [string, z.core.$ZodType][],
  io: 'input' | 'output',
  names: Map<z.core.$ZodType, string>,
): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of entries) {
    if (names.has(schema)) throw new Error(`Schema ${id} is already named ${names.get(schema)}`);
    registry.add(schema, { id });
    names.set(schema, id);
  }
  const { schemas } = z.toJSONSchema(registry, {
    io,
    target: 'draft-2020-12',
    uri: (id) => `${SCHEMA_REF}${id}`,
  });
  return Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, bare(schema as JsonSchema)]));
}

/** A $ref to the schema's component, or the schema inline when it has no name. */
function schemaOf(
  schema: z.core.$ZodType,
  names: Map<z.core.$ZodType, string>,
  io: 'input' | 'output',
): JsonSchema {
  const name = names.get(schema);
  return name
    ? { $ref: `${SCHEMA_REF}${name}` }
    : bare(z.toJSONSchema(schema, { io, target: 'draft-2020-12' }) as JsonSchema);
}

/** A component or inline schema without the keywords that only a standalone JSON Schema document carries. */
function bare(schema: JsonSchema): JsonSchema {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

function operation(route: RouteSpec, spec: OperationSpec, names: Map<z.core.$ZodType, string>): JsonSchema {
  const jwt = route.auth === 'jwt';
  const parameters = [
    ...pathParameters(route, spec),
    ...queryParameters(route),
    ...Object.entries(route.headers ?? {}).map(([name, header]) => ({
      name,
      in: 'header',
      required: true,
      ...(header.description ? { description: header.description } : {}),
      schema: schemaOf(header.documented ?? header.schema, names, 'input'),
    })),
  ];
  if (route.body && spec.body)
    throw new Error(
      `${spec.operationId}: the body is its route spec's; operations.ts may not declare another`,
    );
  const body = route.body ?? spec.body;
  const responses: Record<string, JsonSchema> = {};
  for (const [status, response] of Object.entries(spec.responses)) {
    responses[status] = {
      description: response.description,
      ...(response.schema
        ? {
            content: {
              [response.contentType ?? 'application/json']: {
                schema: schemaOf(response.schema, names, 'output'),
              },
            },
          }
        : {}),
    };
  }
  const problems = new Set<ProblemStatus>(spec.problems);
  if (jwt) problems.add(401);
  for (const status of [...problems].sort((a, b) => a - b)) {
    const problem = PROBLEMS[status];
    const content: Record<string, JsonSchema> = {
      'application/problem+json': { schema: schemaOf(problem.schema, names, 'output') },
    };
    // Without a valid token, API Gateway itself answers: {"message": "Unauthorized"}.
    if (status === 401 && jwt)
      content['application/json'] = { schema: schemaOf(gatewayMessageSchema, names, 'output') };
    responses[String(status)] = {
      description:
        status === 401 && jwt
          ? 'No token, a bad or expired token, or a token without sub and workspace_id'
          : problem.description,
      content,
    };
  }
  return {
    operationId: spec.operationId,
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    tags: [spec.tag],
    security: jwt ? [{ bearerAuth: [] }] : [],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(body
      ? {
          requestBody: {
            required: body.required,
            content: { 'application/json': { schema: schemaOf(body.schema, names, 'input') } },
          },
        }
      : {}),
    responses,
    'x-lambda-function': route.fn,
  };
}

function pathParameters(route: RouteSpec, spec: OperationSpec): JsonSchema[] {
  const declared = pathParamNamesOf(route.path);
  const unknown = Object.keys(route.params ?? {}).filter((name) => !declared.includes(name));
  if (unknown.length > 0)
    throw new Error(`${spec.operationId}: no path parameter ${unknown.join(', ')} in ${route.path}`);
  return declared.map((name) => {
    const param = route.params?.[name];
    const schema = param?.documented ?? param?.schema ?? pathParamSchema;
    return {
      name,
      in: 'path',
      required: true,
      schema: {
        ...bare(z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' }) as JsonSchema),
        ...(param?.description ? { description: param.description } : {}),
      },
    };
  });
}

function queryParameters(route: RouteSpec): JsonSchema[] {
  if (!route.query) return [];
  const object = z.toJSONSchema(route.query, { io: 'input', target: 'draft-2020-12' }) as {
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  return Object.entries(object.properties ?? {}).map(([name, schema]) => {
    const { description, ...rest } = schema;
    return {
      name,
      in: 'query',
      required: object.required?.includes(name) ?? false,
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

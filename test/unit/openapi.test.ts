/**
 * The OpenAPI document (shared/openapi/document.ts): valid OpenAPI 3.1 by the specification's own JSON schema
 * (offline, @seriousme/openapi-schema-validator), one operation for every manifest route and none without, the
 * handlers' own zod schemas for parameters and bodies, bearer security exactly on the JWT routes, problem+json
 * errors, and docs/openapi.json up to date.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { REPO_ROOT } from '../../infra/local/paths.js';
import { httpRoutes } from '../../infra/manifest.js';
import { emailWebhookSchema } from '../../shared/domain/email-webhook.js';
import {
  approveRequestSchema,
  dismissRequestSchema,
  editRequestSchema,
  listQuerySchema,
} from '../../shared/http/requests.js';
import { reviewItemSchema } from '../../shared/http/responses.js';
import { openApiDocument } from '../../shared/openapi/document.js';
import { operations } from '../../shared/openapi/operations.js';
import { openApiValidator } from '../support/openapi.js';

type Json = Record<string, unknown>;
type Operation = {
  operationId: string;
  security: Json[];
  parameters?: { name: string; in: string; required: boolean; schema: Json }[];
  requestBody?: { required: boolean; content: Record<string, { schema: Json }> };
  responses: Record<string, { content?: Record<string, { schema: Json }> }>;
};

const document = openApiDocument();
const operationOf = (method: string, path: string) =>
  document.paths[path]?.[method.toLowerCase()] as Operation | undefined;
const jsonSchemaOf = (schema: z.core.$ZodType, io: 'input' | 'output') => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, target: 'draft-2020-12' }) as Json;
  return rest;
};

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1 by the specification’s JSON schema', async () => {
    const validator = new Validator();

    const result = await validator.validate(structuredClone(document) as unknown as Json);

    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('has exactly one operation per manifest HTTP route, each with a unique operationId', () => {
    const documented = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );

    expect(documented.sort()).toEqual(httpRoutes.map((r) => `${r.method} ${r.path}`).sort());
    const ids = documented.map((key) => operationOf(...(key.split(' ') as [string, string]))?.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('refuses to build for a route it does not describe', () => {
    expect(() => openApiDocument([{ fn: 'mystery', method: 'GET', path: '/mystery', auth: 'jwt' }])).toThrow(
      'No OpenAPI operation for the route GET /mystery',
    );
  });

  it.each(httpRoutes.map((r) => [`${r.method} ${r.path}`, r] as const))(
    '%s: security, path parameters, 401 and problem+json errors follow the manifest',
    (_key, route) => {
      const operation = operationOf(route.method, route.path);
      expect(operation).toBeDefined();
      if (!operation) return;

      const pathParams = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect(
        operation.parameters?.filter((p) => p.in === 'path').map((p) => [p.name, p.required]) ?? [],
      ).toEqual(pathParams.map((name) => [name, true]));
      if (route.auth === 'jwt') {
        expect(operation.security).toEqual([{ bearerAuth: [] }]);
        expect(Object.keys(operation.responses['401']?.content ?? {}).sort()).toEqual([
          'application/json',
          'application/problem+json',
        ]);
      } else {
        expect(operation.security).toEqual([]);
      }
      const own = Object.keys(operations[`${route.method} ${route.path}`]?.responses ?? {});
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) >= 400 && !own.includes(status)) {
          expect(Object.keys(response.content ?? {})).toContain('application/problem+json');
        }
      }
    },
  );

  it('documents the problems each action can answer', () => {
    const statuses = (method: string, path: string) =>
      Object.keys(operationOf(method, path)?.responses ?? {});
    expect(statuses('PATCH', '/review-items/{id}')).toEqual([
      '200',
      '400',
      '401',
      '403',
      '404',
      '409',
      '500',
    ]);
    expect(statuses('POST', '/review-items/{id}/approve')).toEqual([
      '200',
      '400',
      '401',
      '403',
      '404',
      '409',
      '500',
      '502',
      '504',
    ]);
    expect(statuses('GET', '/review-items/{id}')).toEqual(['200', '400', '401', '404', '500']);
    const conflict = operationOf('POST', '/review-items/{id}/dismiss')?.responses['409'];
    expect(conflict?.content?.['application/problem+json']?.schema).toEqual({
      $ref: '#/components/schemas/ConflictProblem',
    });
  });

  it('describes bodies and queries with the very schemas the handlers validate with', () => {
    const { schemas } = document.components;
    expect(schemas.EditRequest).toEqual(jsonSchemaOf(editRequestSchema, 'input'));
    expect(schemas.ApproveRequest).toEqual(jsonSchemaOf(approveRequestSchema, 'input'));
    expect(schemas.DismissRequest).toEqual(jsonSchemaOf(dismissRequestSchema, 'input'));
    expect(schemas.EmailWebhookEvent).toEqual(jsonSchemaOf(emailWebhookSchema, 'input'));
    expect(operationOf('PATCH', '/review-items/{id}')?.requestBody).toEqual({
      required: true,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/EditRequest' } } },
    });

    const query = jsonSchemaOf(listQuerySchema, 'input') as { properties: Record<string, Json> };
    const parameters = operationOf('GET', '/review-items')?.parameters?.filter((p) => p.in === 'query') ?? [];
    expect(Object.fromEntries(parameters.map((p) => [p.name, p.schema]))).toEqual(query.properties);
    expect(parameters.every((p) => p.required === false)).toBe(true);
  });

  it('describes responses with the response schemas (the item as presentItem answers it)', () => {
    const item = document.components.schemas.ReviewItem as { required: string[] };
    expect([...item.required].sort()).toEqual(Object.keys(reviewItemSchema.shape).sort());
    expect(
      operationOf('GET', '/review-items/{id}')?.responses['200']?.content?.['application/json']?.schema,
    ).toEqual({
      $ref: '#/components/schemas/ReviewItem',
    });
  });

  it('documents the webhook’s Standard Webhooks signature headers and no bearer token', () => {
    const operation = operationOf('POST', '/webhooks/email');
    expect(operation?.security).toEqual([]);
    expect(operation?.parameters?.map((p) => [p.name, p.in, p.required])).toEqual([
      ['webhook-id', 'header', true],
      ['webhook-timestamp', 'header', true],
      ['webhook-signature', 'header', true],
    ]);
    // 409: a delivery with the same id is being processed right now (the provider retries).
    expect(Object.keys(operation?.responses ?? {})).toEqual(['200', '400', '401', '409', '500']);
  });

  it('has component schemas that ajv compiles as JSON Schema 2020-12 in strict mode', () => {
    const validator = openApiValidator(document);
    for (const name of Object.keys(document.components.schemas)) {
      expect(() => validator.component(name), name).not.toThrow();
    }
  });

  it('is what docs/openapi.json holds (npm run openapi writes it)', async () => {
    const written = await readFile(join(REPO_ROOT, 'docs', 'openapi.json'), 'utf8');
    expect(JSON.parse(written)).toEqual(document);
  });
});

/**
 * Validating JSON against the schemas of an OpenAPI 3.1 document with ajv (JSON Schema 2020-12, formats on):
 * the document's component schemas become one schema with `$defs`, and every `#/components/schemas/X` reference
 * points there, so any schema of the document compiles on its own.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

type Json = Record<string, unknown>;
type Document = {
  paths: Record<string, Record<string, Json>>;
  components: { schemas: Record<string, Json> };
};

const BASE = 'https://for-review.test/openapi.json';
// ajv-formats is CommonJS: its default export arrives as the module object under some loaders.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv2020,
) => Ajv2020;

const absolute = <T>(value: T): T =>
  JSON.parse(JSON.stringify(value).replaceAll('"#/components/schemas/', `"${BASE}#/$defs/`)) as T;

export interface OpenApiValidator {
  ajv: Ajv2020;
  /** The schema of a response body: (path template, method, status, content type). */
  responseSchema(path: string, method: string, status: number, contentType: string): Json;
  /** Validation errors of `body` against that response schema; [] when valid. */
  responseErrors(
    path: string,
    method: string,
    status: number,
    contentType: string,
    body: unknown,
  ): ErrorObject[];
  /** A component's validator. */
  component(name: string): ValidateFunction;
}

export function openApiValidator(document: Document, options: { strict?: boolean } = {}): OpenApiValidator {
  const ajv = new Ajv2020({ allErrors: true, strict: options.strict ?? true, strictTypes: false });
  addFormats(ajv);
  ajv.addSchema({ $id: BASE, $defs: absolute(document.components.schemas) });
  const compiled = new Map<string, ValidateFunction>();
  const compile = (key: string, schema: Json) => {
    let validate = compiled.get(key);
    if (!validate) {
      validate = ajv.compile(absolute(schema));
      compiled.set(key, validate);
    }
    return validate;
  };

  const responseSchema: OpenApiValidator['responseSchema'] = (path, method, status, contentType) => {
    const operation = document.paths[path]?.[method.toLowerCase()];
    if (!operation) throw new Error(`No operation ${method} ${path} in the document`);
    const responses = operation.responses as Record<string, { content?: Record<string, { schema: Json }> }>;
    const response = responses[String(status)];
    if (!response) throw new Error(`${method} ${path} documents no ${status} response`);
    const schema = response.content?.[contentType]?.schema;
    if (!schema) throw new Error(`${method} ${path} ${status} documents no ${contentType} body`);
    return schema;
  };

  return {
    ajv,
    responseSchema,
    responseErrors(path, method, status, contentType, body) {
      const validate = compile(
        `${method} ${path} ${status} ${contentType}`,
        responseSchema(path, method, status, contentType),
      );
      return validate(body) ? [] : [...(validate.errors ?? [])];
    },
    component(name) {
      return compile(`component ${name}`, { $ref: `${BASE}#/$defs/${name}` });
    },
  };
}

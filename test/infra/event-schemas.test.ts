/**
 * The EventBridge schema registry of the stateless stack (infra/stacks/event-schemas.ts): one schema per event of the
 * catalog, generated from the same zod schemas as docs/events/, each a valid JSON Schema draft 4 document (what
 * `Type: JSONSchemaDraft4` promises the registry) that takes the fixtures' events and refuses a foreign one.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_SCHEMA_CONTENT, REGISTRY_SCHEMA_TYPE } from '../../infra/stacks/event-schemas.js';
import {
  catalogEvent,
  EVENT_CATALOG,
  registrySchemaContent,
  registrySchemaName,
} from '../../shared/events/catalog.js';
import { rawMemberChange, rawProposal } from '../fixtures/index.js';
import { draft4Ajv } from '../support/event-schemas.js';
import { logicalId, type Synthesized, synth } from './synth.js';

type Resource = { Properties: Record<string, unknown> };

let s: Synthesized;
let template: Template;
let schemas: Resource[];

beforeAll(() => {
  s = synth({
    context: {
      stage: 'qa',
      jwtIssuer: 'https://auth.acme.com/',
      sesIdentities: 'acme.com',
      alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:qa-alarms',
    },
  });
  template = s.statefulTemplate;
  schemas = Object.values(template.findResources('AWS::EventSchemas::Schema')) as Resource[];
}, 120_000);

const schemaOf = (name: string) => schemas.find((schema) => schema.Properties.SchemaName === name);

describe('the event schema registry', () => {
  it('is one registry, named for the stage, its name an output of the stack', () => {
    template.resourceCountIs('AWS::EventSchemas::Registry', 1);
    template.hasResourceProperties('AWS::EventSchemas::Registry', { RegistryName: 'for-review-qa' });
    expect(template.toJSON().Outputs.EventSchemaRegistryName.Value).toEqual({
      'Fn::GetAtt': [logicalId(s.stateful.eventSchemas.registry), 'RegistryName'],
    });
  });

  it('holds a JSONSchemaDraft4 schema for every event of the catalog, and nothing else', () => {
    expect(EVENT_CATALOG.length).toBeGreaterThan(0);
    expect(schemas.map((schema) => schema.Properties.SchemaName).sort()).toEqual(
      EVENT_CATALOG.map(registrySchemaName).sort(),
    );
    const registry = logicalId(s.stateful.eventSchemas.registry);
    for (const event of EVENT_CATALOG) {
      const schema = schemaOf(registrySchemaName(event));
      if (!schema) throw new Error(`No schema ${registrySchemaName(event)} in the template`);
      expect(schema.Properties, registrySchemaName(event)).toMatchObject({
        Type: REGISTRY_SCHEMA_TYPE,
        RegistryName: { 'Fn::GetAtt': [registry, 'RegistryName'] },
      });
      const content = schema.Properties.Content as string;
      expect(content.length).toBeLessThanOrEqual(MAX_SCHEMA_CONTENT);
      expect(JSON.parse(content)).toEqual(registrySchemaContent(event));
      expect((schema.Properties.Description as string).length).toBeLessThanOrEqual(256);
    }
  });

  it('holds valid draft 4 documents only: each compiles in a strict draft-4 validator', () => {
    const ajv = draft4Ajv();
    for (const schema of schemas) {
      const content = JSON.parse(schema.Properties.Content as string) as Record<string, unknown>;
      expect(content.$schema).toBe('http://json-schema.org/draft-04/schema#');
      expect(ajv.validateSchema(content), String(schema.Properties.SchemaName)).toBe(true);
      expect(() => ajv.compile(content)).not.toThrow();
    }
  });

  it('describes the whole event: it takes the fixtures as EventBridge delivers them, and refuses the wrong source', () => {
    const ajv = draft4Ajv();
    const envelope = (source: string, detailType: string, detail: unknown) => ({
      version: '0',
      id: 'b5f0a3b1-2d3c-4e5f-8a9b-0c1d2e3f4a5b',
      'detail-type': detailType,
      source,
      account: '123456789012',
      time: '2026-11-20T10:00:00Z',
      region: 'eu-west-1',
      resources: [],
      detail,
    });
    const content = (source: string, detailType: string) => {
      const event = catalogEvent(source, detailType);
      if (!event) throw new Error(`No ${source} / ${detailType} in the catalog`);
      return ajv.compile(registrySchemaContent(event));
    };
    const proposed = content('automations', 'Review Draft Proposed');
    expect(proposed(envelope('automations', 'Review Draft Proposed', rawProposal()))).toBe(true);
    expect(proposed(envelope('crm', 'Review Draft Proposed', rawProposal()))).toBe(false);
    expect(proposed(envelope('automations', 'Review Draft Proposed', rawMemberChange()))).toBe(false);
    const member = content('directory', 'Workspace Member Changed');
    expect(member(envelope('directory', 'Workspace Member Changed', rawMemberChange()))).toBe(true);
    expect(member(envelope('directory', 'Workspace Member Removed', rawMemberChange()))).toBe(false);
  });
});

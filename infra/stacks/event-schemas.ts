import { CfnRegistry, CfnSchema } from 'aws-cdk-lib/aws-eventschemas';
import { Construct } from 'constructs';
import {
  type CatalogEvent,
  EVENT_CATALOG,
  eventKey,
  registrySchemaContent,
  registrySchemaName,
} from '../../shared/events/catalog.js';

/** CreateSchema takes at most 100,000 characters of content. */
export const MAX_SCHEMA_CONTENT = 100_000;
export const REGISTRY_SCHEMA_TYPE = 'JSONSchemaDraft4';

export interface EventSchemaRegistryProps {
  readonly registryName: string;
  /** The events whose schemas it holds; every event of the catalog by default. */
  readonly events?: readonly CatalogEvent[];
}

/**
 * An EventBridge schema registry holding the schema of every event the system takes in and puts out (spec 5), the
 * same schemas as docs/events/, generated from the same zod schemas (shared/events/catalog.ts): each describes the
 * whole event as EventBridge delivers it, envelope and detail, in JSON Schema draft 4 (the registry takes
 * `OpenApi3` or `JSONSchemaDraft4`; AWS suggests draft 4 for validating events before sending them). A changed
 * schema is a new version of it in the registry; EventBridge keeps the old ones.
 */
export class EventSchemaRegistry extends Construct {
  readonly registry: CfnRegistry;
  /** The registry's schema of each event, by `<source>/<detail-type>`. */
  readonly schemas: ReadonlyMap<string, CfnSchema>;

  constructor(scope: Construct, id: string, props: EventSchemaRegistryProps) {
    super(scope, id);
    this.registry = new CfnRegistry(this, 'Registry', {
      registryName: props.registryName,
      description: 'For review: the events it takes in and puts out (docs/events.md)',
    });
    this.schemas = new Map(
      (props.events ?? EVENT_CATALOG).map((event) => {
        const name = registrySchemaName(event);
        const content = JSON.stringify(registrySchemaContent(event));
        if (content.length > MAX_SCHEMA_CONTENT)
          throw new Error(
            `The schema of ${eventKey(event)} is ${content.length} characters; the registry takes at most ${MAX_SCHEMA_CONTENT}`,
          );
        const schema = new CfnSchema(this, name.replace(/[^A-Za-z0-9]/g, ''), {
          registryName: this.registry.attrRegistryName,
          schemaName: name,
          type: REGISTRY_SCHEMA_TYPE,
          content,
          description: `${event.direction === 'in' ? 'Taken in' : 'Published'}: ${event.description}`.slice(
            0,
            256,
          ),
        });
        return [eventKey(event), schema];
      }),
    );
  }
}

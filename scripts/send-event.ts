/**
 * `npm run send-event -- <file.json>`: puts one event on the bus exactly as an automation run would, with
 * `@aws-sdk/client-eventbridge`. The file holds `{ "source", "detail-type", "detail" }`.
 * Locally it targets the local bus (EVENTS_PORT, default 4010); set AWS_ENDPOINT_URL_EVENTBRIDGE="" and real
 * credentials to send to AWS instead.
 */
import { readFileSync } from 'node:fs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import * as z from 'zod';

const file = process.argv[2];
if (!file) {
  console.error('Usage: npm run send-event -- <file.json>');
  process.exit(2);
}
const event = z
  .object({ source: z.string(), 'detail-type': z.string(), detail: z.record(z.string(), z.unknown()) })
  .parse(JSON.parse(readFileSync(file, 'utf8')));

const local = process.env.AWS_ENDPOINT_URL_EVENTBRIDGE === undefined;
const client = new EventBridgeClient(
  local
    ? {
        endpoint: `http://127.0.0.1:${process.env.EVENTS_PORT ?? '4010'}`,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }
    : {},
);
const out = await client.send(
  new PutEventsCommand({
    Entries: [
      {
        EventBusName: process.env.EVENT_BUS_NAME ?? 'for-review',
        Source: event.source,
        DetailType: event['detail-type'],
        Detail: JSON.stringify(event.detail),
      },
    ],
  }),
);
console.log(JSON.stringify({ FailedEntryCount: out.FailedEntryCount, Entries: out.Entries }, null, 2));
process.exit(out.FailedEntryCount ? 1 : 0);

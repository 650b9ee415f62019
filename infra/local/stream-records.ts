/**
 * DynamoDB Streams records as Lambda hands them to a function (`DynamoDBStreamEvent`): what GetRecords
 * answers through the AWS SDK, turned back into the JSON the Streams API sent and Lambda passes on. The SDK
 * parses a few fields into richer types (binary attributes into Uint8Array, ApproximateCreationDateTime into a
 * Date); Lambda's event carries binaries as base64 strings and the time as epoch seconds. Pure: no I/O.
 */
import type { AttributeValue, _Record as StreamRecord } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, AttributeValue as LambdaAttributeValue } from 'aws-lambda';

export function lambdaRecord(record: StreamRecord, eventSourceARN: string): DynamoDBRecord {
  const stream = record.dynamodb ?? {};
  const dynamodb: NonNullable<DynamoDBRecord['dynamodb']> = {};
  if (stream.ApproximateCreationDateTime !== undefined)
    dynamodb.ApproximateCreationDateTime = Math.floor(stream.ApproximateCreationDateTime.getTime() / 1_000);
  if (stream.Keys) dynamodb.Keys = imageOf(stream.Keys);
  if (stream.NewImage) dynamodb.NewImage = imageOf(stream.NewImage);
  if (stream.OldImage) dynamodb.OldImage = imageOf(stream.OldImage);
  if (stream.SequenceNumber !== undefined) dynamodb.SequenceNumber = stream.SequenceNumber;
  if (stream.SizeBytes !== undefined) dynamodb.SizeBytes = stream.SizeBytes;
  if (stream.StreamViewType !== undefined) dynamodb.StreamViewType = stream.StreamViewType;
  const out: DynamoDBRecord = {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion,
    eventSource: record.eventSource,
    awsRegion: record.awsRegion,
    dynamodb,
    eventSourceARN,
  };
  if (record.userIdentity) out.userIdentity = { ...record.userIdentity };
  return out;
}

function imageOf(image: Record<string, AttributeValue>): Record<string, LambdaAttributeValue> {
  const out: Record<string, LambdaAttributeValue> = {};
  for (const [name, value] of Object.entries(image)) out[name] = attributeOf(value);
  return out;
}

function attributeOf(value: AttributeValue): LambdaAttributeValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.B !== undefined) return { B: base64(value.B) };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.SS !== undefined) return { SS: [...value.SS] };
  if (value.NS !== undefined) return { NS: [...value.NS] };
  if (value.BS !== undefined) return { BS: value.BS.map(base64) };
  if (value.L !== undefined) return { L: value.L.map(attributeOf) };
  if (value.M !== undefined) return { M: imageOf(value.M) };
  throw new Error(`Unknown DynamoDB attribute value: ${Object.keys(value).join(', ')}`);
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

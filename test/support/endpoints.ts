/** The run's stand-ins, as started by global-setup.ts. Only callable inside a test file. */
import { inject } from 'vitest';

/** This test file's DynamoDB Local: the one of its worker slot (global-setup.ts says why there are several). */
export function dynamodbEndpoint(): string {
  const endpoints = inject('dynamodbEndpoints');
  const slot = Number(process.env.VITEST_POOL_ID ?? '1');
  return endpoints[(Number.isInteger(slot) && slot > 0 ? slot - 1 : 0) % endpoints.length] as string;
}

export const sesEndpoint = (): string => inject('sesEndpoint');

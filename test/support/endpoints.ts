/** The run's stand-ins, as started by global-setup.ts. Only callable inside a test file. */
import { inject } from 'vitest';
import { freePort, LOCAL_HOST } from '../../infra/local/ports.js';

/** This test file's DynamoDB Local: the one of its worker slot (global-setup.ts says why there are several). */
export function dynamodbEndpoint(): string {
  const endpoints = inject('dynamodbEndpoints');
  const slot = Number(process.env.VITEST_POOL_ID ?? '1');
  return endpoints[(Number.isInteger(slot) && slot > 0 ? slot - 1 : 0) % endpoints.length] as string;
}

export const sesEndpoint = (): string => inject('sesEndpoint');

/** An endpoint on 127.0.0.1 where nothing listens: connecting is refused, so nothing can reach SES. */
export async function refusedEndpoint(): Promise<string> {
  return `http://${LOCAL_HOST}:${await freePort()}`;
}

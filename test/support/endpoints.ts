/** The run's stand-ins, as started by global-setup.ts. Only callable inside a test file. */
import { inject } from 'vitest';

export const dynamodbEndpoint = (): string => inject('dynamodbEndpoint');
export const sesEndpoint = (): string => inject('sesEndpoint');

/**
 * Configuration, read once and failing fast: a missing variable throws with its name.
 * Each getter is called at module scope by the handlers that need it, so a Lambda without the
 * variable fails at init with a clear message instead of at the first request.
 */
export class ConfigError extends Error {
  constructor(name: string) {
    super(`Missing required environment variable ${name}`);
    this.name = 'ConfigError';
  }
}

export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === '') throw new ConfigError(name);
  return value;
}

export function optionalEnv(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

export const tableName = (): string => requireEnv('TABLE_NAME');
export const eventBusName = (): string => requireEnv('EVENT_BUS_NAME');

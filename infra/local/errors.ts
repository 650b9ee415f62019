/**
 * Startup failures the developer can fix (no Java, a port taken). `npm start` prints their message as one
 * line instead of a stack trace; anything else is a bug and keeps its stack.
 */
export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupError';
  }
}

/** The local servers, and the environment variable that moves each one to another port. */
export const PORT_VARIABLES = {
  'the local API': 'PORT',
  'the local event bus': 'EVENTS_PORT',
  'local SES': 'SES_PORT',
  'DynamoDB Local': 'DYNAMODB_PORT',
} as const;
export type LocalService = keyof typeof PORT_VARIABLES;

export class PortInUseError extends StartupError {
  constructor(
    readonly service: LocalService,
    readonly port: number,
    options?: { cause?: unknown },
  ) {
    super(
      `Port ${port} for ${service} is already in use (another \`npm start\`?): stop it, or set ${PORT_VARIABLES[service]} to another port.`,
      options,
    );
    this.name = 'PortInUseError';
  }
}

export class JavaMissingError extends StartupError {
  constructor(options?: { cause?: unknown }) {
    super(
      'Java was not found on PATH: DynamoDB Local needs a Java 17+ runtime (e.g. `apt-get install openjdk-17-jre-headless` or `brew install openjdk@17`).',
      options,
    );
    this.name = 'JavaMissingError';
  }
}

/** True for Node's "address already in use" socket error. */
export function isAddressInUse(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'EADDRINUSE';
}

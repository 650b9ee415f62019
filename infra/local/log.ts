/** The local runtime's own log lines (the handlers log through Powertools, as in Lambda). */
export type LocalLogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface LocalLog {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const RANK: Record<LocalLogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

export function isLocalLogLevel(value: string): value is LocalLogLevel {
  return value in RANK;
}

export function createLocalLog(level: LocalLogLevel, component: string): LocalLog {
  const at =
    (lineLevel: Exclude<LocalLogLevel, 'silent'>, write: (line: string) => void) => (message: string) => {
      if (RANK[lineLevel] >= RANK[level]) write(`[${component}] ${message}`);
    };
  return {
    debug: at('debug', (line) => console.debug(line)),
    info: at('info', (line) => console.info(line)),
    warn: at('warn', (line) => console.warn(line)),
    error: at('error', (line) => console.error(line)),
  };
}

/** One-line description of an error, for log lines and dead letters. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

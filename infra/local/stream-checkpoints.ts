/**
 * Where each stream consumer is in each shard: the sequence number of the last record it is done with
 * (delivered, filtered out, or sent to the on-failure list), and whether a closed shard was read to its end.
 * Lambda keeps this for an event source mapping; locally it lives in `<dataDir>/stream-checkpoints.json` so
 * a restart of `npm start` resumes after the last record done, neither losing nor replaying. A data folder
 * without the file starts at TRIM_HORIZON. Runtimes whose database lives in memory keep checkpoints in memory.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as z from 'zod';

export const CHECKPOINT_FILE_NAME = 'stream-checkpoints.json';

const shardSchema = z.object({ after: z.string().optional(), ended: z.boolean().optional() });
const consumerSchema = z.object({ streamArn: z.string(), shards: z.record(z.string(), shardSchema) });
const fileSchema = z.object({ version: z.literal(1), consumers: z.record(z.string(), consumerSchema) });

export type ConsumerCheckpoint = z.infer<typeof consumerSchema>;

export interface CheckpointStore {
  /** The consumer's position on the stream, if it has one. */
  load(consumer: string): Promise<ConsumerCheckpoint | undefined>;
  /** Replaces the consumer's position. Writes are serialized; the last one wins. */
  save(consumer: string, checkpoint: ConsumerCheckpoint): Promise<void>;
  /** Where checkpoints are kept (a file, or "memory"), for log lines. */
  readonly location: string;
}

export function memoryCheckpoints(): CheckpointStore {
  const kept = new Map<string, ConsumerCheckpoint>();
  return {
    location: 'memory',
    load: async (consumer) => structuredClone(kept.get(consumer)),
    save: async (consumer, checkpoint) => {
      kept.set(consumer, structuredClone(checkpoint));
    },
  };
}

/** Checkpoints in `<dataDir>/stream-checkpoints.json`, written atomically (temporary file, then rename). */
export function fileCheckpoints(dataDir: string): CheckpointStore {
  const file = join(dataDir, CHECKPOINT_FILE_NAME);
  let state: z.infer<typeof fileSchema> | undefined;
  let writing: Promise<void> = Promise.resolve();

  async function read(): Promise<z.infer<typeof fileSchema>> {
    if (state) return state;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if (error instanceof Error && 'code' in error && error.code === 'ENOENT') {
        state = { version: 1, consumers: {} };
        return state;
      }
      throw error;
    }
    const parsed = fileSchema.safeParse(safeJson(text));
    if (!parsed.success) {
      throw new Error(
        `${file} is not a checkpoint file written by the local runtime: delete it to read the stream from its start`,
      );
    }
    state = parsed.data;
    return state;
  }

  return {
    location: file,
    load: async (consumer) => structuredClone((await read()).consumers[consumer]),
    save: async (consumer, checkpoint) => {
      const current = await read();
      current.consumers[consumer] = structuredClone(checkpoint);
      const text = `${JSON.stringify(current, null, 2)}\n`;
      const write = writing.then(async () => {
        await mkdir(dirname(file), { recursive: true });
        const temporary = `${file}.${process.pid}.tmp`;
        await writeFile(temporary, text, { mode: 0o600 });
        await rename(temporary, file);
      });
      writing = write.catch(() => undefined);
      await write;
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

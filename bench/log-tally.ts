/**
 * Counts the functions' structured log lines by level while `run` runs, and keeps WARN and below off the
 * console (fifty builds retrying throttled calls write thousands of WARN lines; the count is what the bench
 * reports). ERROR lines still print: each one is something that ended a step for good, never a retried
 * throttle (docs/design.md "13.1"). Powertools writes one JSON object per line to stdout/stderr.
 */
export interface LogTally {
  warn: number;
  error: number;
  /** The first few ERROR lines, to say what failed. */
  errors: string[];
}

export async function tallyLogs<T>(run: () => Promise<T>): Promise<{ result: T; logs: LogTally }> {
  const logs: LogTally = { warn: 0, error: 0, errors: [] };
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((s) => s.write.bind(s));
  streams.forEach((stream, i) => {
    stream.write = (chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      const level = /"level":"(\w+)"/.exec(text)?.[1];
      if (level === 'ERROR') {
        logs.error++;
        if (logs.errors.length < 5) logs.errors.push(text.trim().slice(0, 400));
      } else if (level === 'WARN') logs.warn++;
      if (level && level !== 'ERROR') return true;
      return (originals[i] as (...args: unknown[]) => boolean)(chunk, ...rest);
    };
  });
  try {
    return { result: await run(), logs };
  } finally {
    streams.forEach((stream, i) => (stream.write = originals[i]));
  }
}

/**
 * Runs `work` with a signal that aborts on `interrupt`, or by default on the first SIGINT/SIGTERM. Those
 * handlers are removed afterwards, so a second Ctrl+C (say, during a slow close) still ends the process.
 * Resolves undefined when interrupted.
 */
export async function withInterrupt<T>(
  interrupt: AbortSignal | undefined,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T | undefined> {
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  if (interrupt) {
    if (interrupt.aborted) controller.abort();
    else interrupt.addEventListener('abort', onSignal, { once: true });
  } else {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  try {
    const result = await work(controller.signal);
    return controller.signal.aborted ? undefined : result;
  } catch (error) {
    if (controller.signal.aborted) return undefined;
    throw error;
  } finally {
    interrupt?.removeEventListener('abort', onSignal);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Resolves when the signal aborts. */
export function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
}

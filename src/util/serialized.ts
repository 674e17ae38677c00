/**
 * A function whose calls run one after another: each starts once the previous one has
 * settled, so a call made later always sees (and leaves) a state at least as new as an
 * earlier call's. Used where a slow read finishing last would put an older state back.
 */
export function serialized<T>(fn: () => Promise<T>): () => Promise<T> {
  let queue: Promise<unknown> = Promise.resolve();
  return () => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  };
}

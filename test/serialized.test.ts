/** Calls of a serialized function run one after another, so the last call's result stands. */
import { expect, test } from '@jest/globals';
import { serialized } from '../src/util/serialized.js';

/** A promise with its resolve function, to finish reads in a chosen order. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => { resolve = r; });
  return { promise, resolve };
}

test('a slow earlier read cannot overwrite a later one', async () => {
  // the "database" changes between the two calls; the first read is slow
  let stored = 'old';
  let state = '';
  const slow = deferred<void>();
  const firstRead = deferred<void>();
  let reads = 0;
  const refresh = serialized(async () => {
    const n = ++reads;
    const seen = stored;
    if (n === 1) {
      firstRead.resolve();
      await slow.promise;
    }
    state = seen;
    return seen;
  });
  const first = refresh();
  await firstRead.promise;
  stored = 'new';
  const second = refresh();
  // the second read has not started while the first is pending
  await Promise.resolve();
  expect(reads).toBe(1);
  slow.resolve();
  expect(await first).toBe('old');
  expect(await second).toBe('new');
  expect(state).toBe('new');
});

test('a failed call rejects its caller and does not stop the next one', async () => {
  let n = 0;
  const run = serialized(async () => {
    n += 1;
    if (n === 1) throw new Error('database gone');
    return n;
  });
  const a = run();
  const b = run();
  await expect(a).rejects.toThrow('database gone');
  await expect(b).resolves.toBe(2);
});

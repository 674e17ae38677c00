/**
 * Group commit for the rows the token endpoint writes. Each caller's promise settles when its own
 * row is committed (no write is acknowledged early), but rows that arrive while a batch is being
 * written go out together in the next one, as one statement. Idle, a row waits one turn of the
 * event loop; under load one statement carries every token issued meanwhile, so the database
 * round trips per token fall as the load grows instead of growing with it.
 *
 * At most one batch is in flight per batcher; a failed batch fails each of its callers (their
 * requests fail as they would have alone) and the next batch is tried afresh.
 */

export interface InsertBatcherOptions<T> {
  /** Writes all rows in one statement. */
  write(rows: T[]): Promise<unknown>;
  /** Most rows per statement (default 200). */
  maxBatch?: number;
}

interface Waiting<T> {
  row: T;
  resolve(): void;
  reject(err: unknown): void;
}

export class InsertBatcher<T> {
  private queue: Waiting<T>[] = [];
  private running = false;
  private readonly maxBatch: number;

  constructor(private readonly opts: InsertBatcherOptions<T>) {
    this.maxBatch = opts.maxBatch ?? 200;
  }

  add(row: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ row, resolve, reject });
      if (!this.running) {
        this.running = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        await this.opts.write(batch.map((w) => w.row));
        for (const w of batch) w.resolve();
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    this.running = false;
  }
}

/**
 * What a sync run has seen (src/domain/sync-mark.ts says why): the entries earlier runs saw in
 * the overlap below the mark, skipped when a changed-only listing returns them again exactly as
 * they were, and the newest entries this run listed, to keep with the next mark. Memory stays
 * bounded whatever the listing's size: only the newest 2 x MAX_SEEN entries (and MAX_UNKNOWN
 * entries without a time) are held, and an entry older than those is not even digested unless
 * there is something to compare it with.
 */
import { createHash } from 'node:crypto';
import type { EntryResult } from '../directory/types.js';
import { MAX_SEEN, seenToKeep, type SeenEntry } from '../domain/sync-mark.js';

/** Entries without a modification time (unusable ones) held, at most. */
const MAX_UNKNOWN = 1000;

const digest = (text: string) => createHash('sha256').update(text).digest('base64url').slice(0, 22);

/** An entry's key: a digest of all of it as read, its modification time included. */
export function entryKey(entry: EntryResult): string {
  return entry.ok ? digest(JSON.stringify(entry.identity)) : digest(`!${entry.dn}\u0000${entry.error}`);
}

interface Listed extends SeenEntry {
  externalId: string | null;
}

export class SeenWindow {
  private readonly before: Set<string>;
  private listed: Listed[] = [];
  private unknown = 0;
  /** Entries older than this are not held (the newest MAX_SEEN are, already). */
  private floor = -Infinity;
  private readonly unsettled = new Set<string>();
  /** Entries listed that an earlier run had seen exactly so. */
  repeated = 0;

  constructor(before: readonly SeenEntry[]) {
    this.before = new Set(before.map((e) => e.key));
  }

  /** Notes an entry listed; false when an earlier run saw it exactly so (it is skipped). */
  note(entry: EntryResult): boolean {
    const at = entry.ok ? (entry.identity.modifiedAt?.getTime() ?? null) : null;
    const hold = at === null ? this.unknown < MAX_UNKNOWN : at >= this.floor;
    if (!hold && this.before.size === 0) return true;
    const key = entryKey(entry);
    if (hold) this.hold({ key, at, externalId: entry.ok ? entry.identity.externalId : null });
    if (!this.before.has(key)) return true;
    this.repeated += 1;
    return false;
  }

  /** An entry whose change could not be applied (the account changed meanwhile): not kept, so listed again it is applied. */
  unsettle(externalId: string): void {
    this.unsettled.add(externalId);
  }

  /** What to keep with the next mark, whose listing starts at `nextSince`. */
  keep(nextSince: Date): SeenEntry[] {
    const settled = this.listed.filter((e) => e.externalId === null || !this.unsettled.has(e.externalId));
    return seenToKeep(settled.map(({ key, at }) => ({ key, at })), nextSince);
  }

  private hold(e: Listed): void {
    this.listed.push(e);
    if (e.at === null) this.unknown += 1;
    if (this.listed.length - this.unknown <= 2 * MAX_SEEN) return;
    // keep the newest MAX_SEEN with a time (and those without); older ones are no longer held
    const timed = this.listed.filter((x) => x.at !== null).sort((x, y) => y.at! - x.at!).slice(0, MAX_SEEN);
    this.floor = timed[timed.length - 1]!.at!;
    this.listed = [...this.listed.filter((x) => x.at === null), ...timed];
  }
}

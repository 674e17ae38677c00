/**
 * The changed-only sync's high-water mark, the entries it has already seen, and which runs are
 * worth a record. Pure: no I/O, no clock (the caller passes times).
 *
 * The mark is the latest modification time the directory reported (modifyTimestamp, the
 * directory's clock, never ours) among the entries a completed run applied, and how long that
 * run took. The next changed-only run lists entries modified at or after
 *   mark - max(window, overlap)
 * because an entry modified while a listing runs can be read before its change and carry a
 * time below the mark the listing ends with: such a change has a time no earlier than the start
 * of that listing, i.e. no earlier than mark - the listing's duration.
 *
 * That overlap lists again, at every run, the entries of the last seconds before the mark. So
 * that they are not applied (counted, reported, recorded) again and again, the mark keeps what
 * was seen in the overlap: one key per entry as it was read (a digest of the whole entry as the
 * directory gave it, its modification time included), with its modification time. An entry
 * listed with a key already kept is skipped. A change made within the same second as the read
 * (the same modifyTimestamp, other content) has another key, so it is applied: comparing the
 * modification time alone would miss it. Keys older than where the next listing starts are
 * dropped; an entry without a readable time (an unusable entry) is kept as long as listings
 * return it.
 */

/** One entry a run has seen: its key, and its modification time (ms; null when unknown). */
export interface SeenEntry {
  key: string;
  at: number | null;
}

export interface HighWaterMark {
  /** Latest modifiedAt seen by a completed run (directory time). */
  modifiedAt: Date;
  /** Duration of the run that last set it, seconds, rounded up. */
  windowSeconds: number;
  /** The entries seen at or after where the next listing starts; absent: none. */
  seen?: SeenEntry[] | undefined;
}

/** Keys kept with the mark, at most (the newest): more are applied again, which is harmless. */
export const MAX_SEEN = 5000;

/** Where a changed-only listing starts. Whole seconds: directories keep modification times to the second. */
export function changedSince(hwm: Pick<HighWaterMark, 'modifiedAt' | 'windowSeconds'>, overlapSeconds: number): Date {
  const back = Math.max(hwm.windowSeconds, overlapSeconds, 0) * 1000;
  return new Date(Math.floor((hwm.modifiedAt.getTime() - back) / 1000) * 1000);
}

/** The mark after a run: the later of the previous mark and the newest change the run saw (null: neither). */
export function nextMark(previous: Date | null | undefined, newestSeen: Date | null): Date | null {
  if (previous && (!newestSeen || previous > newestSeen)) return previous;
  return newestSeen;
}

/**
 * What to keep with the next mark: of the entries a run listed, those the next listing (from
 * `nextSince`) may return again, newest first, at most `max`.
 */
export function seenToKeep(listed: Iterable<SeenEntry>, nextSince: Date, max = MAX_SEEN): SeenEntry[] {
  const from = nextSince.getTime();
  const keep = [...listed].filter((e) => e.at === null || e.at >= from);
  keep.sort((x, y) => (y.at ?? Infinity) - (x.at ?? Infinity));
  return keep.slice(0, max);
}

/** What a finished run is judged on. */
export interface RunSummary {
  mode: 'full' | 'changed';
  status: string;
  created: number;
  updated: number;
  disabled: number;
}

/**
 * Does a run go into the history and the audit trail? Every full run, and every run that did
 * something (created, changed or disabled an account, or would have in a dry run), failed, was
 * refused or partial. A changed-only run that found nothing to do leaves no trace: the server
 * makes one every few seconds.
 */
export function worthRecording(r: RunSummary): boolean {
  return r.mode === 'full' || r.status !== 'success' || r.created + r.updated + r.disabled > 0;
}

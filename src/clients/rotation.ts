/**
 * A confidential client's new secret, with an optional overlap: the secret it replaces stays
 * accepted until a date the administrator picks (stored as a keyed hash, like the current one),
 * then is refused, and is forgotten by the next rotation, the end of the overlap, or `sso db gc`.
 */
import type { ClientRecord, ClientRepository } from '../db/repos/clients.js';
import type { AuditRecorder } from '../audit/log.js';
import { SsoError } from '../domain/errors.js';
import { generateClientSecret, hashClientSecret } from './secret.js';
import { isInternalClient, isPublicType, type ClientType } from './types.js';
import { OVERLAP_PROBLEM_TEXT, overlapProblem } from './secret-overlap.js';

export interface RotateOptions {
  /** Keep accepting the current secret until then (future, at most 90 days ahead). Absent or null: it stops at once. */
  overlapUntil?: Date | null | undefined;
  /** The time the overlap is checked against; default now. */
  now?: Date | undefined;
}

export function secretRotation(repo: ClientRepository, audit: AuditRecorder | undefined) {
  async function confidential(id: string): Promise<ClientRecord> {
    if (isInternalClient(id)) throw new SsoError('invalid_input', `"${id}" is the IdP's own client (the console); it is managed by the IdP`);
    const r = await repo.byId(id);
    if (!r) throw new SsoError('not_found', `no client with id "${id}"`);
    if (isPublicType(r.type as ClientType)) throw new SsoError('invalid_input', `"${id}" is a public (${r.type}) client and has no secret`);
    return r;
  }

  return {
    /**
     * A new secret (returned once; only its hash is kept). Without an overlap the old one stops
     * at once; with one it stays accepted until `overlapUntil`. An earlier overlap still running
     * ends: only the secret just replaced is kept.
     */
    async rotateSecret(id: string, opts: RotateOptions = {}): Promise<string> {
      const now = opts.now ?? new Date();
      const until = opts.overlapUntil ?? null;
      const problem = until ? overlapProblem(until, now) : null;
      if (problem) throw new SsoError('invalid_input', OVERLAP_PROBLEM_TEXT[problem]);
      const r = await confidential(id);
      const keep = until && r.secretHash ? { hash: r.secretHash, until } : null;
      const secret = generateClientSecret();
      await repo.update(id, { secretHash: hashClientSecret(secret), secretRotatedAt: now, previousSecretHash: keep?.hash ?? null, previousSecretUntil: keep?.until ?? null });
      await audit?.record({
        type: 'client.secret_rotated',
        outcome: 'success',
        clientId: id,
        detail: { name: r.name, previous_rotation: r.secretRotatedAt, overlap_until: keep?.until.toISOString() ?? null },
      });
      return secret;
    },

    /** The secret before the last rotation is refused from now on. False when none was still accepted. */
    async endSecretOverlap(id: string, now = new Date()): Promise<boolean> {
      const r = await confidential(id);
      if (!r.previousSecretHash) return false;
      await repo.update(id, { previousSecretHash: null, previousSecretUntil: null });
      const wasRunning = r.previousSecretUntil !== null && r.previousSecretUntil > now;
      await audit?.record({ type: 'client.updated', outcome: 'success', clientId: id, detail: { name: r.name, changed: ['secret_overlap'], overlap_ended_early: wasRunning } });
      return wasRunning;
    },

    /** Forgets the previous secrets whose overlap has ended (housekeeping); returns how many. */
    forgetEndedOverlaps(now = new Date()): Promise<number> {
      return repo.clearEndedOverlaps(now);
    },
  };
}

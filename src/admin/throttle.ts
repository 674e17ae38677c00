/**
 * The console's login blocks (/admin/throttle): the throttle's active blocks, and lifting those
 * of a login or an address (a CSRF-checked POST, then a redirect to the list: post/redirect/get).
 * The same use case as `sso throttle` (login/blocks.ts); every lift is audited with the person
 * signed in to the console as the actor.
 */
import type express from 'express';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { SsoError } from '../domain/errors.js';
import { parseForm, text } from '../web/forms.js';
import type { AdminDeps } from './section.js';

/** Exactly one of login and address. */
const unblockForm = z.object({ login: text(254), address: text(100) });

export function throttleRoutes(router: express.Router, deps: AdminDeps): void {
  const { services: s, pages } = deps;

  async function listBlocks(req: Request, res: Response) {
    const blocks = await s.throttleBlocks.list();
    const budget = s.throttleBlocks.budget();
    pages.page(req, res, 'admin/throttle', {
      title: 'throttle.title',
      nav: 'throttle',
      // an IPv6 /64 is unblocked by any address in it: its network address
      blocks: blocks.map((b) => ({ ...b, unblockAddress: b.address === null || b.address === 'unknown' ? null : b.address.replace(/::\/64$/, '::') })),
      budget: { ...budget, windowMinutes: Math.round(deps.config.throttle.windowSeconds / 60) },
    });
  }

  async function unblock(req: Request, res: Response) {
    const { login, address } = parseForm(unblockForm, req.body);
    if (Boolean(login) === Boolean(address)) throw new SsoError('invalid_input', 'a login or an address, not both', { messageKey: 'throttle.loginOrAddress' });
    const { lifted } = await s.throttleBlocks.unblock(login ? { login } : { address });
    pages.redirect(res, '/admin/throttle', { key: lifted ? 'throttle.done.unblocked' : 'throttle.done.nothing' });
  }

  router.get('/throttle', listBlocks);
  router.post('/throttle/unblock', unblock);
}

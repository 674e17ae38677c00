/**
 * Destructive actions ask first, all the same way: the action's path answers a GET, or a POST
 * without the confirmation field, with a page that names the target and what follows ("Tạm
 * ngừng ứng dụng {name}: mọi người sẽ không đăng nhập được …") and changes nothing; its form is
 * a CSRF-checked POST to the same path carrying `confirm=yes`, and only that does the action,
 * then ends in a 303 redirect with a one-time message (post/redirect/get).
 *
 * A section declares each action once (`confirmed(router, deps, { … })`): its path, how its
 * target is found, the page's sentence, and what it does.
 */
import type express from 'express';
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { NavItem } from '../console/pages.js';
import type { Flash } from '../console/flash.js';
import type { ConsoleKey } from '../web/i18n/index.js';
import { parseForm, text } from '../web/forms.js';
import type { AdminDeps } from './section.js';

/** The explicit confirmation every destructive form carries. */
export const CONFIRM_FIELD = 'confirm';
const confirmForm = z.object({ [CONFIRM_FIELD]: text(10) });

/** Another way to do it, offered on the confirmation page (e.g. a new secret with an overlap period). */
export interface Alternative {
  href: string;
  label: ConsoleKey;
}

export interface Confirmable<T> {
  /** The action's path under /admin, e.g. '/clients/:id/disable'. */
  path: string;
  nav: NavItem;
  /** The target of the action (an SsoError 'not_found' when there is none). */
  load(req: Request): Promise<T>;
  /** The page: `key`.title and `key`.question (with `params`), and where "Cancel" leads. */
  ask(target: T): { key: ConfirmKey; params: Record<string, string>; back: string; alternatives?: Alternative[] };
  /** Does it; where the browser goes next and what is said there. */
  run(target: T, req: Request, res: Response): Promise<{ to: string; flash: Flash }>;
}

/** The confirmations' sentences: `confirm.<name>.title` and `confirm.<name>.question`. */
export type ConfirmKey = 'clientDisable' | 'clientEnable' | 'clientDelete' | 'accountDisable' | 'accountLogout' | 'mfaReset';

/** Registers a destructive action and its confirmation page on the console's router. */
export function confirmed<T>(router: express.Router, deps: AdminDeps, action: Confirmable<T>): void {
  const { pages } = deps;

  async function ask(req: Request, res: Response, target: T) {
    const a = action.ask(target);
    const l = pages.locale(req, res);
    pages.page(req, res, 'admin/confirm', {
      title: `confirm.${a.key}.title`,
      nav: action.nav,
      question: l.t(`confirm.${a.key}.question`, a.params),
      action: req.baseUrl + req.path,
      back: a.back,
      alternatives: a.alternatives ?? [],
      // undoing a suspension loses nothing: its button is not drawn as a danger
      danger: a.key !== 'clientEnable',
    });
  }

  router.get(action.path, async (req, res) => ask(req, res, await action.load(req)));
  router.post(action.path, async (req, res) => {
    const target = await action.load(req);
    if (parseForm(confirmForm, req.body)[CONFIRM_FIELD] !== 'yes') return ask(req, res, target);
    const next = await action.run(target, req, res);
    pages.redirect(res, next.to, next.flash);
  });
}

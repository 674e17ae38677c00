/**
 * The app launcher at `/`. Signed in (the same session as "my account" and the console): who
 * they are, sign-out, a link to "my account", and the applications they may use as large tiles
 * (appsFor). Signed out: the product's name and a "sign in" that starts the sign-in and comes
 * back here (GET /sign-in). Never a redirect to discovery JSON.
 */
import express, { type Request, type Response } from 'express';
import type { Config } from '../config/load.js';
import type { ConsoleAuth } from '../console/auth.js';
import type { Renderer } from '../web/render.js';
import { expressLocale } from '../web/locale.js';
import type { Launcher } from './apps.js';

export interface LauncherDeps {
  config: Config;
  render: Renderer;
  auth: ConsoleAuth;
  launcher: Pick<Launcher, 'appsFor'>;
}

export function launcherRouter(deps: LauncherDeps): express.Router {
  const { config, render, auth, launcher } = deps;
  const router = express.Router();

  async function home(req: Request, res: Response) {
    const l = expressLocale(req, res, config);
    const s = await auth.current(req, res);
    res.set('Cache-Control', 'no-store').type('html');
    if (!s) {
      res.send(render.render('launcher/welcome', { ...l, title: l.t('launcher.welcomeTitle') }));
      return;
    }
    const apps = await launcher.appsFor(s.account);
    res.send(render.render('launcher/home', {
      ...l,
      title: l.t('launcher.title'),
      me: { name: s.account.displayName || s.account.login, login: s.account.login },
      csrf: s.csrf,
      apps,
    }));
  }

  /** Starts the sign-in, to come back to the launcher (an existing session goes straight there). */
  async function signIn(req: Request, res: Response) {
    if (await auth.current(req, res)) {
      res.set('Cache-Control', 'no-store').redirect(303, '/');
      return;
    }
    await auth.signIn(req, res, '/');
  }

  router.get('/', home);
  router.get('/sign-in', signIn);
  return router;
}

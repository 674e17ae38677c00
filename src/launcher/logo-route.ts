/**
 * GET /apps/:id/logo: an application's logo as uploaded, for anyone (the launcher and the
 * console show it). Only PNG and JPEG are ever stored; the type is sent as stored, never
 * sniffed (nosniff), with a strong ETag (304 on a match) and an hour of caching (the pages add
 * the version to the URL, so a new logo shows at once).
 */
import type { Request, Response, RequestHandler } from 'express';
import type { Launcher } from './apps.js';

/** The longest client id a URL may name. */
const ID_MAX = 100;

/** The logo of the application named in the path, or 404. */
export function logoHandler(launcher: Pick<Launcher, 'logo'>): RequestHandler {
  return async function serveLogo(req: Request, res: Response) {
    const id = String(req.params.id ?? '');
    const logo = id.length <= ID_MAX ? await launcher.logo(id) : null;
    res.set({ 'X-Content-Type-Options': 'nosniff', 'Content-Security-Policy': "default-src 'none'; sandbox" });
    if (!logo) {
      res.status(404).set('Cache-Control', 'no-store').type('text/plain').send('Not found');
      return;
    }
    res.set({ 'Cache-Control': 'public, max-age=3600', ETag: logo.etag, 'Content-Disposition': 'inline' });
    const match = req.get('if-none-match');
    if (match && match.split(',').some((t) => t.trim() === logo.etag || t.trim() === `W/${logo.etag}`)) {
      res.status(304).end();
      return;
    }
    res.status(200).type(logo.contentType).send(Buffer.from(logo.data));
  };
}

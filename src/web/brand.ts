/**
 * The province's brand on every page: the name in titles and headers, the logo and the primary
 * colour (each served from a fixed URL under /assets, so the Content-Security-Policy's
 * `img-src 'self'` and `style-src 'self'` hold: no inline style), the footer line, the link to
 * change a mail password, and the helpdesk contact the error pages show.
 */
import { createHash } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import { parseHexColor } from '../domain/contrast.js';

export const BRAND_LOGO_URL = '/assets/brand-logo';
export const BRAND_STYLESHEET_URL = '/assets/brand.css';

/** The logo as start-up checked it (src/app/brand-logo.ts). */
export interface BrandLogo {
  bytes: Buffer;
  type: 'image/png' | 'image/jpeg';
  /** A strong validator: a hash of the bytes, quoted. */
  etag: string;
}

/** What the composition root knows of the brand (config.brand, config.login.helpdeskContact, the logo read). */
export interface BrandSetup {
  name?: string | undefined;
  logo?: BrandLogo | undefined;
  primaryColor?: string | undefined;
  footer?: string | undefined;
  passwordHelpUrl?: string | undefined;
  helpdeskContact?: string | undefined;
}

/** What every template sees as `it.brand`. */
export interface PageBrand {
  /** BRAND_NAME, else the catalogue's product name in the page's language. */
  name: string;
  logoUrl?: string | undefined;
  stylesheetUrl?: string | undefined;
  footer?: string | undefined;
  passwordHelpUrl?: string | undefined;
  helpdesk?: string | undefined;
}

/** The brand as a page of `defaultName`'s language shows it. Pure. */
export function pageBrand(setup: BrandSetup, defaultName: string): PageBrand {
  return {
    name: setup.name ?? defaultName,
    logoUrl: setup.logo ? BRAND_LOGO_URL : undefined,
    stylesheetUrl: setup.primaryColor ? BRAND_STYLESHEET_URL : undefined,
    footer: setup.footer,
    passwordHelpUrl: setup.passwordHelpUrl,
    helpdesk: setup.helpdeskContact,
  };
}

/** `#rrggbb` with every channel scaled by `factor` (0..1). Pure. */
function darker(rgb: readonly [number, number, number], factor: number): string {
  return `#${rgb.map((c) => Math.round(c * factor).toString(16).padStart(2, '0')).join('')}`;
}

/**
 * The stylesheet that gives the header and the primary buttons the province's colour (the
 * custom properties style.css and admin.css read, falling back to the built-in navy). Pure;
 * only a colour config accepted as `#rrggbb` reaches it, and it is parsed again here.
 */
export function brandStylesheet(primaryColor: string | undefined): string {
  const rgb = primaryColor ? parseHexColor(primaryColor) : undefined;
  if (!rgb) return '/* no BRAND_PRIMARY_COLOR */\n';
  return `:root {\n  --brand-primary: ${darker(rgb, 1)};\n  --brand-primary-dark: ${darker(rgb, 0.8)};\n}\n`;
}

function sendAsset(req: Request, res: Response, body: Buffer, type: string, etag: string): void {
  res.set({ 'Content-Type': type, 'X-Content-Type-Options': 'nosniff', ETag: etag, 'Cache-Control': 'public, max-age=3600' });
  // express answers 304 itself when If-None-Match names this ETag (req.fresh)
  res.send(body);
}

/** GET /assets/brand-logo (404 without a logo) and GET /assets/brand.css. */
export function brandAssets(setup: Pick<BrandSetup, 'logo' | 'primaryColor'>): express.Router {
  const router = express.Router();
  const css = Buffer.from(brandStylesheet(setup.primaryColor), 'utf8');
  const cssEtag = `"${createHash('sha256').update(css).digest('base64url').slice(0, 27)}"`;
  router.get(BRAND_STYLESHEET_URL, (req, res) => sendAsset(req, res, css, 'text/css; charset=utf-8', cssEtag));
  const logo = setup.logo;
  if (logo) router.get(BRAND_LOGO_URL, (req, res) => sendAsset(req, res, logo.bytes, logo.type, logo.etag));
  return router;
}

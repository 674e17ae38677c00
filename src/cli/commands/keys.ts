/** `sso keys list`, `sso keys rotate` and `sso keys revoke`: the token signing keys. */
import type { Command } from 'commander';
import { keyState, type KeyState, type KeyStateView } from '../../domain/keys.js';
import type { CliContext } from '../context.js';
import { table } from '../table.js';

const iso = (d: Date | null) => d?.toISOString() ?? null;
const short = (d: Date) => d.toISOString().replace(/\.\d+Z$/, 'Z');

/** The state in words, as the table shows it. */
const WORDS: Record<KeyState, string> = {
  signing: 'signing now',
  next: 'next',
  published: 'published only',
  retired: 'retired',
  revoked: 'REVOKED',
};

/** "Until when" in words: when it stops signing, leaves the JWKS, or since when it is gone. */
function untilWords(v: KeyStateView): string {
  const published = v.publishedUntil ? `published until ${short(v.publishedUntil)}` : 'published until the next rotation';
  if (v.state === 'signing') return `${v.signsUntil ? `signs until ${short(v.signsUntil)}` : 'signs until the next rotation'}; ${published}`;
  if (v.state === 'next') return `signs from ${short(v.signsFrom!)}; ${published}`;
  if (v.state === 'published') return `${published} (verifies tokens it signed; signs nothing)`;
  if (v.state === 'revoked') return `revoked${v.since ? ` at ${short(v.since)}` : ''}: not published, not trusted`;
  return `retired${v.since ? ` since ${short(v.since)}` : ''}: not published`;
}

function registerList(keys: Command, ctx: CliContext): void {
  keys.command('list')
    .option('--json', 'machine-readable output')
    .description('list signing keys: signing now, next, published only, retired or revoked, and until when')
    .action(async (o: { json?: boolean }) => {
      const s = await ctx.open();
      const rows = await s.keys.list();
      const now = new Date();
      const views = rows.map((k) => ({ k, v: keyState(k, rows, now, ctx.getConfig().signingAlgs) }));
      if (o.json) {
        ctx.io.out(JSON.stringify(views.map(({ k, v }) => ({
          kid: k.kid,
          alg: k.alg,
          state: v.state,
          signing: v.state === 'signing',
          published: v.state === 'signing' || v.state === 'next' || v.state === 'published',
          signs_until: iso(v.signsUntil),
          published_until: iso(v.publishedUntil),
          since: iso(v.since),
          status: k.status,
          activated_at: iso(k.activatedAt),
          retire_after: iso(k.retireAfter),
        }))));
        return;
      }
      ctx.io.out(table(views.map(({ k, v }) => ({ kid: k.kid, alg: k.alg, state: WORDS[v.state], until: untilWords(v) })), ['kid', 'alg', 'state', 'until']));
    });
}

function registerRotate(keys: Command, ctx: CliContext): void {
  keys.command('rotate')
    .description('introduce new signing keys; the old ones stay published for KEY_ROTATION_GRACE')
    .option('--immediate', 'sign with the new keys at once (single instance; for a compromised key use sso keys revoke)')
    .option('--json', 'machine-readable output')
    .action(async (o: { immediate?: boolean; json?: boolean }) => {
      const s = await ctx.open();
      const c = ctx.getConfig();
      const now = new Date();
      const activateAt = o.immediate ? now : new Date(now.getTime() + c.keys.activationDelaySeconds * 1000);
      const r = await s.keys.rotate({ now, activateAt, graceSeconds: c.keys.graceSeconds });
      // the SAML key too: its new certificate in /saml/metadata at once, signing from the same time
      const saml = await s.saml.keys.rotate({ activateAt, graceSeconds: c.keys.graceSeconds });
      const samlOut = saml ? { saml: { created: saml.id, retire_after: saml.retireAfter.toISOString() } } : {};
      const samlText = saml ? `; SAML key ${saml.id} signs from ${saml.activateAt.toISOString()}, old certificate in /saml/metadata until ${saml.retireAfter.toISOString()}` : '';
      if (o.json) ctx.io.out(JSON.stringify({ created: r.created, retiring: r.retiring, activate_at: r.activateAt.toISOString(), retire_after: r.retireAfter.toISOString(), ...samlOut }));
      else ctx.io.out(`new keys ${r.created.map((k) => `${k.kid} (${k.alg})`).join(', ')} sign from ${r.activateAt.toISOString()}; old keys published until ${r.retireAfter.toISOString()}${samlText}`);
    });
}

function registerRevoke(keys: Command, ctx: CliContext): void {
  keys.command('revoke <kid>')
    .description('withdraw a compromised key at once: no longer published or trusted, tokens it signed are refused; a new key signs in its place')
    .option('--reason <text>', 'why (recorded in the audit trail)')
    .option('--json', 'machine-readable output')
    .action(async (kid: string, o: { reason?: string; json?: boolean }) => {
      const s = await ctx.open();
      const r = await s.keys.revoke(kid, { reason: o.reason });
      const refresh = ctx.getConfig().keys.refreshIntervalSeconds;
      const everywhere = new Date(r.revokedAt.getTime() + refresh * 1000);
      if (o.json) {
        ctx.io.out(JSON.stringify({ kid: r.kid, alg: r.alg, revoked_at: r.revokedAt.toISOString(), already_revoked: r.already, replacement: r.replacement, servers_by: everywhere.toISOString() }));
        return;
      }
      if (r.already) {
        ctx.io.out(`key ${r.kid} (${r.alg}) was already revoked at ${short(r.revokedAt)}; nothing changed`);
        return;
      }
      ctx.io.out(`revoked ${r.kid} (${r.alg}) at ${short(r.revokedAt)}${r.replacement ? `; new key ${r.replacement.kid} (${r.replacement.alg}) signs in its place` : ''}`);
      ctx.io.out(`running servers stop publishing and trusting it at their next key refresh, by ${short(everywhere)} (KEY_REFRESH_INTERVAL ${refresh} s).`);
      ctx.io.out('Applications that cached /jwks trust it until they fetch it again: tell them to refresh it now.');
    });
}

export function registerKeysCommand(program: Command, ctx: CliContext): void {
  const keys = program.command('keys').description('token signing keys');
  registerList(keys, ctx);
  registerRotate(keys, ctx);
  registerRevoke(keys, ctx);
}

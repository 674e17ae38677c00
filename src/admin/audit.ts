/**
 * The console's audit trail: a page at a time under filters (person, application, event type,
 * dates; routine noise left out unless "show all"), with names instead of ids; the same filters
 * exported; the hash chain verified.
 */
import type express from 'express';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { AUDIT_EVENT_TYPES } from '../audit/events.js';
import { EXPORT_FORMATS, type ExportFormat } from '../audit/export.js';
import { SsoError } from '../domain/errors.js';
import { parseQuery, queryText } from '../web/forms.js';
import { auditOutcomeLabel, eventLabel } from '../web/i18n/index.js';
import type { PageLocale } from '../web/locale.js';
import { isAuditType, type AuditFilter } from '../audit/query.js';
import { ID_MAX, type AdminDeps } from './section.js';
import { auditRowsView, namesWanted, parseConsoleDay } from './audit-view.js';

const trim = (v: string) => v.trim();
/** A position in the trail (an event's seq). */
const seq = (v: string) => (/^\d{1,12}$/.test(v) ? Number(v) : undefined);

/** The filters and paging of the audit pages; an unknown event type is refused, a day is checked below (a readable page). */
const auditQuery = z.object({
  person: queryText(254).transform(trim),
  client: queryText(ID_MAX).transform(trim),
  from: queryText(20).transform(trim),
  to: queryText(20).transform(trim),
  type: queryText(60).refine((v) => !v || isAuditType(v), { error: '{field}' }),
  all: queryText(1).transform((v) => v === '1'),
  before: queryText(12).transform(seq),
  after: queryText(12).transform(seq),
  format: queryText(10).transform((f): ExportFormat => ((EXPORT_FORMATS as readonly string[]).includes(f) ? (f as ExportFormat) : 'jsonl')),
});

/** A day of the filters, or a readable 400 naming the field and what was typed. */
function day(l: PageLocale, value: string, field: 'audit.from' | 'audit.to'): Date | undefined {
  if (!value) return undefined;
  const d = parseConsoleDay(value, field === 'audit.to');
  if (!d) throw new SsoError('invalid_input', `${field}: not a date`, { messageKey: 'auditView.error.badDate', params: { value, field: l.t(field) } });
  return d;
}

export function auditRoutes(router: express.Router, deps: AdminDeps): void {
  const { services: s, pages } = deps;
  const audits = s.auditQuery;

  async function auditFilter(req: Request, res: Response) {
    const q = parseQuery(auditQuery, req.query);
    const l = pages.locale(req, res);
    const since = day(l, q.from, 'audit.from');
    const until = day(l, q.to, 'audit.to');
    if (since && until && since >= until) throw new SsoError('invalid_input', 'from after to', { messageKey: 'auditView.error.badRange' });
    // the form as the page shows it again, and the links carry it (in this order)
    const form: Record<string, string> = { person: q.person, client: q.client, type: q.type, from: q.from, to: q.to, all: q.all ? '1' : '' };
    let subject: string | undefined;
    if (q.person) subject = (await s.accounts.byLogin(q.person).catch(() => null))?.id ?? q.person;
    const filter: AuditFilter = { subject, actor: q.person || undefined, clientId: q.client || undefined, type: q.type || undefined, since, until, quiet: !q.all };
    return { q, form, filter, l };
  }

  async function showAudit(req: Request, res: Response) {
    const { q, filter, form, l } = await auditFilter(req, res);
    const p = await audits.page(filter, { before: q.before, after: q.after });
    const wanted = namesWanted(p.rows);
    // names for the whole page: one query for the accounts, one for the applications (also the filter's choices)
    const [accounts, clients] = await Promise.all([s.accounts.labels(wanted.ids, wanted.logins), s.clients.list()]);
    const query = new URLSearchParams(Object.entries(form).filter(([, v]) => v));
    const link = (k: 'before' | 'after', v: number) => `/admin/audit?${new URLSearchParams([...query, [k, String(v)]])}`;
    pages.page(req, res, 'admin/audit', {
      title: 'audit.title',
      nav: 'audit',
      form,
      types: AUDIT_EVENT_TYPES.map((type) => ({ type, label: eventLabel(l.t, type) })),
      clients: clients.map((c) => ({ id: c.client_id, name: c.name })),
      rows: auditRowsView(p.rows, { accounts, clients: new Map(clients.map((c) => [c.client_id, c.name])) }, { locale: l.locale, now: new Date(), label: (t) => eventLabel(l.t, t), outcome: (o) => auditOutcomeLabel(o, l.t) }),
      quiet: !q.all,
      newer: p.newer !== null ? link('after', p.newer) : null,
      older: p.older !== null ? link('before', p.older) : null,
      exportQuery: query.toString(),
    });
  }

  async function exportAudit(req: Request, res: Response) {
    const { q, filter } = await auditFilter(req, res);
    const format = q.format;
    res.status(200).set({
      'Content-Type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      'Content-Disposition': `attachment; filename="audit-${new Date().toISOString().slice(0, 10)}.${format}"`,
      'Cache-Control': 'no-store',
    });
    await audits.export(filter, format, (line) => {
      res.write(`${line}\n`);
    });
    res.end();
  }

  async function verifyAudit(req: Request, res: Response) {
    const r = await s.audit.verify();
    const l = pages.locale(req, res);
    const message = r.ok
      ? l.t('audit.verifyOk', { count: r.count, head: r.head ? `${r.head.seq}:${r.head.hash}` : '-' })
      : l.t('audit.verifyBroken', { seq: r.problem.seq, message: r.problem.message });
    pages.page(req, res, 'admin/message', { title: 'audit.verify', nav: 'audit', status: r.ok ? 200 : 409, message, ok: r.ok, backLink: '/admin/audit' });
  }

  router.get('/audit', showAudit);
  router.get('/audit/export', exportAudit);
  router.get('/audit/verify', verifyAudit);
}

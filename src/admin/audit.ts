/**
 * The console's audit trail: a page at a time under filters (person, application, event type,
 * dates), the same filters exported, and the hash chain verified.
 */
import type express from 'express';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { AUDIT_EVENT_TYPES } from '../audit/events.js';
import { EXPORT_FORMATS, type ExportFormat } from '../audit/export.js';
import { parseQuery, queryText } from '../web/forms.js';
import { isAuditType, parseDay, type AuditFilter } from '../audit/query.js';
import { ID_MAX, type AdminDeps } from './section.js';

const trim = (v: string) => v.trim();
/** A position in the trail (an event's seq). */
const seq = (v: string) => (/^\d{1,12}$/.test(v) ? Number(v) : undefined);

/** The filters and paging of the audit pages; a day that is no date, or an unknown event type, is refused. */
const auditQuery = z.object({
  person: queryText(254).transform(trim),
  client: queryText(ID_MAX).transform(trim),
  from: queryText(10).refine((v) => !v || parseDay(v) !== null, { error: 'YYYY-MM-DD' }),
  to: queryText(10).refine((v) => !v || parseDay(v, true) !== null, { error: 'YYYY-MM-DD' }),
  type: queryText(60).refine((v) => !v || isAuditType(v), { error: '{field}' }),
  before: queryText(12).transform(seq),
  after: queryText(12).transform(seq),
  format: queryText(10).transform((f): ExportFormat => ((EXPORT_FORMATS as readonly string[]).includes(f) ? (f as ExportFormat) : 'jsonl')),
});

export function auditRoutes(router: express.Router, deps: AdminDeps): void {
  const { services: s, pages } = deps;
  const audits = s.auditQuery;

  async function auditFilter(req: Request) {
    const q = parseQuery(auditQuery, req.query);
    // the form as the page shows it again, and the links carry it (in this order)
    const form: Record<string, string> = { person: q.person, client: q.client, type: q.type, from: q.from, to: q.to };
    let subject: string | undefined;
    if (q.person) subject = (await s.accounts.byLogin(q.person).catch(() => null))?.id ?? q.person;
    const filter: AuditFilter = {
      subject,
      actor: q.person || undefined,
      clientId: q.client || undefined,
      type: q.type || undefined,
      since: q.from ? parseDay(q.from)! : undefined,
      until: q.to ? parseDay(q.to, true)! : undefined,
    };
    return { q, form, filter };
  }

  async function showAudit(req: Request, res: Response) {
    const { q, filter, form } = await auditFilter(req);
    const p = await audits.page(filter, { before: q.before, after: q.after });
    const query = new URLSearchParams(Object.entries(form).filter(([, v]) => v));
    const link = (k: 'before' | 'after', v: number) => `/admin/audit?${new URLSearchParams([...query, [k, String(v)]])}`;
    pages.page(req, res, 'admin/audit', {
      title: 'audit.title',
      nav: 'audit',
      form,
      types: AUDIT_EVENT_TYPES,
      rows: p.rows,
      newer: p.newer !== null ? link('after', p.newer) : null,
      older: p.older !== null ? link('before', p.older) : null,
      exportQuery: query.toString(),
    });
  }

  async function exportAudit(req: Request, res: Response) {
    const { q, filter } = await auditFilter(req);
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

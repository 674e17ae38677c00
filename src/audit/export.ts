/**
 * The exported forms of the audit trail, and reading them back (so an export can be verified
 * away from the database: `sso audit verify --file`). Pure.
 *
 *   jsonl: one JSON object per line: seq, at (ISO, UTC), type, outcome, actor, subject,
 *          client_id, ip, detail (the object), prev_hash, hash.
 *   csv:   RFC 4180 (fields quoted when they hold a comma, a quote or a line break; quotes
 *          doubled), UTF-8, a header line, the same columns with detail as its JSON text and an
 *          empty field for a missing value. A field that a spreadsheet would run as a formula
 *          (starting with = + - @, a tab or a carriage return, after any apostrophes) gets one
 *          apostrophe in front; reading the file back removes it, so the hashes still verify.
 */
import { canonicalJson, isoTime, type ChainRow } from './chain.js';

export const EXPORT_FORMATS = ['jsonl', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const CSV_COLUMNS = ['seq', 'at', 'type', 'outcome', 'actor', 'subject', 'client_id', 'ip', 'detail', 'prev_hash', 'hash'] as const;

export interface AuditRecordView {
  seq: number;
  at: string;
  type: string;
  outcome: string;
  actor: string | null;
  subject: string | null;
  client_id: string | null;
  ip: string | null;
  detail: unknown;
  prev_hash: string;
  hash: string;
}

/** The JSON form of a row (also `sso audit list --json`). */
export function recordView(r: ChainRow): AuditRecordView {
  let detail: unknown = r.detail;
  try {
    detail = JSON.parse(r.detail);
  } catch {
    /* kept as the text it is: verification says it was edited */
  }
  return {
    seq: r.seq,
    at: isoTime(r.at),
    type: r.type,
    outcome: r.outcome,
    actor: r.actor,
    subject: r.subject,
    client_id: r.clientId,
    ip: r.ip,
    detail,
    prev_hash: r.prevHash,
    hash: r.hash,
  };
}

export function jsonlLine(r: ChainRow): string {
  return JSON.stringify(recordView(r));
}

const FORMULA = /^'*[=+\-@\t\r]/;

function csvField(v: string | number | null): string {
  if (v === null) return '';
  let s = String(v);
  if (FORMULA.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvHeader(): string {
  return CSV_COLUMNS.join(',');
}

export function csvLine(r: ChainRow): string {
  return [r.seq, isoTime(r.at), r.type, r.outcome, r.actor, r.subject, r.clientId, r.ip, r.detail, r.prevHash, r.hash].map(csvField).join(',');
}

/** RFC 4180 records (quoted fields may hold line breaks); a leading BOM is ignored. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let quoted = false;
  let any = false;
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
      continue;
    }
    if (c === '"' && field === '') {
      quoted = true;
      any = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
      any = true;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      if (any || field !== '') rows.push([...row, field]);
      row = [];
      field = '';
      any = false;
    } else {
      field += c;
      any = true;
    }
  }
  if (quoted) throw new Error('unterminated quoted field');
  if (any || field !== '') rows.push([...row, field]);
  return rows;
}

function unguard(s: string): string {
  return /^'+[=+\-@\t\r]/.test(s) ? s.slice(1) : s;
}

/** Rows from an exported file (format by its first character: "{" jsonl, else csv). */
export function parseExport(text: string): ChainRow[] {
  const t = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (t.trimStart().startsWith('{')) {
    return t.split(/\r?\n/).filter((l) => l.trim()).map((l, n) => {
      let o: AuditRecordView;
      try {
        o = JSON.parse(l) as AuditRecordView;
      } catch {
        throw new Error(`line ${n + 1} is not JSON`);
      }
      return {
        seq: o.seq,
        at: o.at,
        type: o.type,
        outcome: o.outcome,
        actor: o.actor ?? null,
        subject: o.subject ?? null,
        clientId: o.client_id ?? null,
        ip: o.ip ?? null,
        detail: typeof o.detail === 'string' ? o.detail : canonicalJson(o.detail),
        prevHash: o.prev_hash,
        hash: o.hash,
      };
    });
  }
  const [header, ...records] = parseCsv(t);
  if (!header || header.join(',') !== csvHeader()) throw new Error(`not an audit export: the CSV header must be ${csvHeader()}`);
  return records.map((f, n) => {
    if (f.length !== CSV_COLUMNS.length) throw new Error(`record ${n + 1} has ${f.length} fields, not ${CSV_COLUMNS.length}`);
    const v = f.map(unguard);
    const opt = (s: string) => (s === '' ? null : s);
    return {
      seq: Number(v[0]),
      at: v[1]!,
      type: v[2]!,
      outcome: v[3]!,
      actor: opt(v[4]!),
      subject: opt(v[5]!),
      clientId: opt(v[6]!),
      ip: opt(v[7]!),
      detail: v[8]!,
      prevHash: v[9]!,
      hash: v[10]!,
    };
  });
}

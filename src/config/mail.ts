/**
 * SMTP_URL, SMTP_FROM and SMTP_CA_FILE: where security notices to a person are sent from (a new
 * second factor enrolled on their account, a recovery code used). Pure: the CA file is read
 * when the mailer starts.
 *
 *   smtp://host[:25|587]      plain SMTP, upgraded with STARTTLS when the server offers it
 *   smtps://host[:465]        SMTP over TLS from the first byte
 *   user:password@ in the URL authenticates (the URL is then a secret: SMTP_URL_FILE)
 *   ?starttls=required        refuse to send when the server offers no STARTTLS
 */

export interface MailSettings {
  /** The URL without its credentials, for messages and the log. */
  display: string;
  host: string;
  port: number;
  /** smtps: TLS from the first byte. */
  secure: boolean;
  requireStartTls: boolean;
  auth?: { user: string; pass: string } | undefined;
  /** The From header: a mailbox, optionally with a name ("Đăng nhập một lần <no-reply@tinh.gov.vn>"). */
  from: string;
  /** PEM file of the CA(s) the server's certificate must chain to; default the system CAs. */
  caFile?: string | undefined;
}

const DEFAULT_PORT = { 'smtp:': 25, 'smtps:': 465 } as const;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** The From header: "Name <addr@host>" or "addr@host", one line. */
function fromHeader(value: string | undefined, issuerHost: string, problems: string[]): string {
  const v = value?.trim() || `no-reply@${issuerHost}`;
  const addr = /<([^<>\s]+)>$/.exec(v)?.[1] ?? v;
  if (CONTROL.test(v) || !/^[^@\s<>]+@[^@\s<>]+$/.test(addr)) problems.push(`SMTP_FROM: "${v}" must be an address (no-reply@tinh.gov.vn) or a name and an address (Đăng nhập một lần <no-reply@tinh.gov.vn>)`);
  return v;
}

export function mailSettings(e: { SMTP_URL?: string | undefined; SMTP_FROM?: string | undefined; SMTP_CA_FILE?: string | undefined }, issuerHost: string, problems: string[]): MailSettings | undefined {
  const v = e.SMTP_URL?.trim();
  if (!v) {
    if (e.SMTP_FROM?.trim()) problems.push('SMTP_FROM: set without SMTP_URL');
    if (e.SMTP_CA_FILE?.trim()) problems.push('SMTP_CA_FILE: set without SMTP_URL');
    return undefined;
  }
  const usage = 'SMTP_URL: must be smtp://[user:password@]host[:port] or smtps://[user:password@]host[:port]';
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    problems.push(usage);
    return undefined;
  }
  const scheme = url.protocol as keyof typeof DEFAULT_PORT;
  const extra = [...url.searchParams.keys()].filter((k) => k !== 'starttls');
  const starttls = url.searchParams.get('starttls');
  if (!(scheme in DEFAULT_PORT) || !url.hostname || (url.pathname && url.pathname !== '/') || url.hash || extra.length || (starttls !== null && starttls !== 'required')) {
    problems.push(usage + (extra.length || starttls !== null ? ' (the only option is ?starttls=required)' : ''));
    return undefined;
  }
  if (starttls && scheme === 'smtps:') problems.push('SMTP_URL: ?starttls=required is for smtp:// (smtps:// is TLS from the start)');
  const user = decodeURIComponent(url.username);
  const pass = decodeURIComponent(url.password);
  const port = url.port ? Number(url.port) : DEFAULT_PORT[scheme];
  return {
    display: `${scheme}//${url.hostname}:${port}`,
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port,
    secure: scheme === 'smtps:',
    requireStartTls: starttls === 'required',
    auth: user ? { user, pass } : undefined,
    from: fromHeader(e.SMTP_FROM, issuerHost, problems),
    caFile: e.SMTP_CA_FILE?.trim() || undefined,
  };
}

/**
 * The fields every line about a person's action carries (docs/logging.md, "Common fields"):
 * `ip` (the client address as the trusted proxy saw it) and `userAgent` (the browser's
 * User-Agent header, bounded and with control characters removed, so one header cannot forge or
 * split a log line). Pure.
 */

/** The longest User-Agent kept. */
export const USER_AGENT_MAX = 300;

/** A User-Agent header as logged: at most USER_AGENT_MAX characters, no control characters; undefined when absent. */
export function userAgentOf(header: string | string[] | undefined): string | undefined {
  const v = Array.isArray(header) ? header[0] : header;
  if (!v) return undefined;
  const clean = v.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
  return clean ? clean.slice(0, USER_AGENT_MAX) : undefined;
}

/** `ip` and `userAgent` of a request (Express or Node), for a log line. */
export function clientFields(req: { ip?: string | undefined; headers: Record<string, string | string[] | undefined> }): { ip: string | undefined; userAgent: string | undefined } {
  return { ip: req.ip, userAgent: userAgentOf(req.headers['user-agent']) };
}

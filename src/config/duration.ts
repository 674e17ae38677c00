/** "90", "90s", "15m", "8h", "14d" -> seconds. Pure. */
const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

export function parseDuration(input: string): number | null {
  const m = /^\s*(\d{1,9})\s*([smhd]?)\s*$/i.exec(input);
  if (!m) return null;
  return Number(m[1]) * UNITS[(m[2] || 's').toLowerCase()]!;
}

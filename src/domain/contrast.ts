/**
 * Colour contrast as WCAG 2.x defines it: the relative luminance of an sRGB colour and the
 * contrast ratio of two colours, (L1 + 0.05) / (L2 + 0.05) with L1 the lighter. WCAG AA asks
 * 4.5:1 for normal text. Pure.
 */

/** WCAG AA's minimum for normal text. */
export const AA_NORMAL_TEXT = 4.5;

/** `#rgb` or `#rrggbb` -> [r, g, b] in 0..255; undefined for anything else. */
export function parseHexColor(text: string): [number, number, number] | undefined {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(text.trim());
  if (!m) return undefined;
  const hex = m[1]!.length === 3 ? [...m[1]!].map((c) => c + c).join('') : m[1]!;
  return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

function channel(v: number): number {
  const s = v / 255;
  return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
}

export function relativeLuminance([r, g, b]: readonly [number, number, number]): number {
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

export function contrastRatio(a: readonly [number, number, number], b: readonly [number, number, number]): number {
  const [hi, lo] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/**
 * UTF-8 decoding and UTF-16 well-formedness, as the attribute values and the DN parser need
 * them. Pure.
 */
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// ES2024 (Node 20 has them; the project's lib is ES2023)
type Utf16 = string & { isWellFormed(): boolean; toWellFormed(): string };

/** No lone surrogate (well-formed UTF-16). */
export const wellFormed = (s: string): boolean => (s as Utf16).isWellFormed();

/** Lone surrogates replaced by U+FFFD. */
export const toWellFormed = (s: string): string => (s as Utf16).toWellFormed();

/** Bytes as text; null unless they are valid UTF-8 (a leading BOM is kept as U+FEFF). */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return decoder.decode(bytes);
  } catch {
    return null;
  }
}

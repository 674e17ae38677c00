/**
 * PostgreSQL text cannot hold NUL (the query fails: "invalid byte sequence"); SQLite can. Nothing
 * this product stores contains one, so a key from a request that does (a client_id, a token, a
 * cookie's value) matches no row on either backend, and is answered as not found without asking.
 */
export function isStorableKey(s: string): boolean {
  return !s.includes('\u0000');
}

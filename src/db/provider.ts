/** Which database a DATABASE_URL names. Pure. */
export type DbProvider = 'sqlite' | 'postgresql';

export function dbProviderOf(url: string): DbProvider {
  if (/^postgres(ql)?:\/\//i.test(url)) return 'postgresql';
  if (/^file:/i.test(url)) return 'sqlite';
  throw new Error('DATABASE_URL must start with file: (SQLite) or postgresql:// (PostgreSQL)');
}

/** The file path of a file: URL, relative paths resolved against cwd by the caller. */
export function sqlitePathOf(url: string): string {
  return url.replace(/^file:/i, '').replace(/\?.*$/, '');
}

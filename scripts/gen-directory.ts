/**
 * Writes a large, deterministic, Zimbra-like directory as LDIF (for sync benchmarks and trials).
 *
 *   npx tsx scripts/gen-directory.ts 50000 /tmp/people.ldif              # to append to the test fixture
 *   npx tsx scripts/gen-directory.ts 50000 /tmp/tree.ldif --standalone   # base, ou=people, service account too
 *   npx tsx scripts/gen-directory.ts 1000 - --seed 2 | slapadd ...       # to stdout
 *
 * The people are test/fixtures/ldap/generate.ts's: `generatedPerson(i)` tells who entry i is.
 */
import { writeGeneratedLdif } from '../test/fixtures/ldap/generate.js';

const args = process.argv.slice(2);
const flags = new Set(args.filter((a) => a.startsWith('--')));
const positional = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--seed');
const seedAt = args.indexOf('--seed');
const n = Number(positional[0]);
const target = positional[1] ?? '-';
if (!Number.isInteger(n) || n < 1 || (seedAt >= 0 && !/^\d+$/.test(args[seedAt + 1] ?? ''))) {
  process.stderr.write('usage: tsx scripts/gen-directory.ts <entries> [file|-] [--standalone] [--seed N]\n');
  process.exit(2);
}
const opts = { standalone: flags.has('--standalone'), ...(seedAt >= 0 ? { seed: Number(args[seedAt + 1]) } : {}) };
const started = Date.now();
const r = await writeGeneratedLdif(target === '-' ? process.stdout : target, n, opts);
process.stderr.write(`${r.entries} entries, ${(r.bytes / 1048576).toFixed(1)} MiB${target === '-' ? '' : ` -> ${target}`} in ${Date.now() - started} ms\n`);

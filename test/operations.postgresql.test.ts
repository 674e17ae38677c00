/**
 * docs/operations.md's PostgreSQL backup and restore, run as written (PostgreSQL pass only):
 * `pg_dump --format=custom` while `sso serve` runs, a change made after it, then the restore
 * block (`pg_restore --clean --if-exists --single-transaction`) with sso stopped, and sso
 * started again on the restored database: the change is gone, what was there before is back.
 * `sudo -u postgres` and `--dbname=sso` are the test database's connection here.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmptyTestDatabase, type EmptyTestDatabase } from './helpers/db.js';
import { freePort, TEST_SECRETS } from './helpers/server.js';
import { docBlock, servicePrelude } from './helpers/ops-docs.js';

let database: EmptyTestDatabase;
let dir: string;
beforeAll(async () => {
  database = await createEmptyTestDatabase();
  dir = mkdtempSync(join(tmpdir(), 'sso-pgbackup-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await database?.drop();
});

it('pg_dump while sso serves; pg_restore over the database brings it back to the dump', async () => {
  const backups = join(dir, 'var-backups-sso');
  const conf = join(dir, 'sso.env');
  const port = await freePort();
  mkdirSync(join(dir, 'data'));
  writeFileSync(conf, [
    `PORT=${port}`, 'HOST=127.0.0.1', `ISSUER=http://127.0.0.1:${port}`, `DATA_DIR=${join(dir, 'data')}`, `DATABASE_URL=${database.url}`,
    `COOKIE_KEYS=${TEST_SECRETS.COOKIE_KEYS}`, `KEY_ENCRYPTION_SECRET=${TEST_SECRETS.KEY_ENCRYPTION_SECRET}`, 'SYNC_INTERVAL=0', '',
  ].join('\n'));
  const place = (block: string) =>
    block
      .replaceAll('sudo -u postgres ', '')
      .replaceAll(' -o postgres', '')
      .replaceAll('--dbname=sso', `--dbname='${database.url}'`)
      .replaceAll('/var/backups/sso', backups);
  const script = `${servicePrelude(dir, conf)}
systemctl start
echo 'mật khẩu một 2026' | $SSO account add-local --login truoc.sao.luu --name 'Trước sao lưu' --password-stdin >/dev/null
${place(docBlock('pg-backup'))}
ls "${backups}" | wc -l
echo '--- after'
echo 'mật khẩu hai 2026' | $SSO account add-local --login sau.sao.luu --name 'Sau sao lưu' --password-stdin >/dev/null
${place(docBlock('pg-restore'))}
$SSO account list --json
systemctl stop
`;
  const r = spawnSync('bash', ['-c', script], { cwd: dir, encoding: 'utf8', timeout: 180_000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir } });
  if (r.status !== 0) throw new Error(`exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  const [dumps, restored] = r.stdout.split(/^--- after\n/m);
  expect(dumps!.trim()).toBe('1');
  const logins = (JSON.parse(restored!) as { login: string }[]).map((a) => a.login);
  expect(logins).toContain('truoc.sao.luu');
  expect(logins).not.toContain('sau.sao.luu');
  expect(r.stderr).toBe('');
}, 200_000);

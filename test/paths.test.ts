import { describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findProjectRoot, PROJECT_ROOT } from '../src/paths.js';

describe('the project root', () => {
  it('holds the views, public assets and migrations', () => {
    for (const p of ['views/login.eta', 'public', 'prisma/sqlite/migrations', 'prisma/postgresql/migrations']) expect(existsSync(join(PROJECT_ROOT, p))).toBe(true);
  });

  it('is found from a source module and from a compiled one in .builds/<build>/<folder>', () => {
    const root = mkdtempSync(join(tmpdir(), 'sso-root-'));
    try {
      writeFileSync(join(root, 'package.json'), '{}');
      mkdirSync(join(root, 'src', 'db'), { recursive: true });
      mkdirSync(join(root, '.builds', '1-2', 'db'), { recursive: true });
      expect(findProjectRoot(join(root, 'src', 'db'))).toBe(root);
      expect(findProjectRoot(join(root, '.builds', '1-2', 'db'))).toBe(root);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('is an error, not a guess, when there is no package.json above', () => {
    expect(() => findProjectRoot('/')).toThrow(/no package.json above \//);
  });
});

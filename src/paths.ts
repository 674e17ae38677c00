/**
 * Where the project's files are (views, public assets, migrations): found from this module's own
 * location by walking up to the folder that holds package.json, so the answer is the same whether
 * the code runs from src/ (TypeScript) or from a compiled build in .builds/<build>/ (dist).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function findProjectRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}: the project's files (views, migrations) cannot be found`);
  }
}

export const PROJECT_ROOT: string = findProjectRoot(dirname(fileURLToPath(import.meta.url)));

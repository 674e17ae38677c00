// ESLint for the shape of src/ only (no style rules): `npm run lint` (scripts/lint.mjs) runs it,
// then scripts/check-shape.mjs for what ESLint cannot see file by file (cycles between folders,
// the web and CLI reaching the database client). Why ESLint, with the measurements: CONTRIBUTING.md,
// "Checks". What is let through today, each with its reason: lint.exceptions.js.
//   import-x/no-cycle         no import cycle between files (`import type` cuts one: erased at run time)
//   sso/max-file-lines        a file has at most LIMITS.fileLines lines
//   sso/max-function-lines    a function has at most LIMITS.functionLines lines
// typescript-eslint's recommended rules are off: on the code as it is they report 7 problems
// (no-explicit-any in directory/demo/server.ts, an unused parameter in console/auth.ts).
import tsParser from '@typescript-eslint/parser';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import sizes from './scripts/lib/eslint-size-rules.mjs';
import { EXCEPTIONS, LIMITS } from './lint.exceptions.js';

const root = import.meta.dirname;

export default [
  { ignores: ['src/db/generated/**'] },
  {
    files: ['src/**/*.ts'],
    // no eslint-disable comments in src/: an exception is listed in lint.exceptions.js, with its reason
    linterOptions: { noInlineConfig: true },
    languageOptions: { parser: tsParser, ecmaVersion: 'latest', sourceType: 'module' },
    plugins: { 'import-x': importX, sso: sizes },
    settings: {
      // the generated Prisma client imports only itself and @prisma: no cycle runs through it, and
      // no-cycle need not parse its 8 files (1.3 MB)
      'import-x/ignore': ['/src/db/generated/'],
      // './x.js' in an import is ./x.ts on disk (NodeNext), and .ts files are read with the TS parser
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'], extensionAlias: { '.js': ['.ts', '.js'] } })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'sso/max-file-lines': ['error', { max: LIMITS.fileLines, exceptions: EXCEPTIONS.fileLines, root }],
      'sso/max-function-lines': ['error', { max: LIMITS.functionLines, exceptions: EXCEPTIONS.functionLines, root }],
    },
  },
];

// The imports of a TypeScript or JavaScript module, found without a parser (Node built-ins only,
// so the checks that use it run before and without any installed package):
//   import x, { y, type Z } from './a.js'    export { y } from './a.js'    export * from './a.js'
//   import type { Z } from './a.js'          import './a.js'               await import('./a.js')
// Comments, the text of strings and templates, and regular expression literals are blanked out
// first (line breaks kept), so an import written inside one of them is not taken for a real one.
// Checked against TypeScript's own scanner (ts.preProcessFile) on every file of src/, test/,
// scripts/ and bench/: the same specifiers on the same lines.

/** Characters after which a `/` starts a regular expression rather than a division. */
const BEFORE_REGEX = new Set([...'(,=:[!&|?{};+-*%<>~^']);
const KEYWORDS_BEFORE_REGEX = new Set(['return', 'typeof', 'instanceof', 'in', 'of', 'new', 'delete', 'void', 'throw', 'case', 'do', 'else', 'yield', 'await']);

/**
 * The source with comments, string and template contents and regex literals replaced by spaces
 * (line breaks kept, so offsets and line numbers are those of the source), and the text of each
 * string literal by the offset of its opening quote.
 */
export function mask(text) {
  const out = text.split('');
  const strings = new Map();
  const blank = (from, to) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  const braces = []; // 'code' for a plain {, 'template' for the ${ of a template
  let prev = ''; // last significant character of code
  let word = ''; // last identifier of code, for `return /re/`
  let i = 0;
  const n = text.length;
  const template = () => {
    // i is just after ` or after the } closing a ${...}
    const start = i;
    while (i < n) {
      const c = text[i];
      if (c === '\\') i += 2;
      else if (c === '`') {
        blank(start, i);
        i++;
        prev = '`';
        return;
      } else if (c === '$' && text[i + 1] === '{') {
        blank(start, i);
        braces.push('template');
        i += 2;
        prev = '{';
        return;
      } else i++;
    }
    blank(start, n);
  };
  while (i < n) {
    const c = text[i];
    const d = text[i + 1];
    if (c === '/' && d === '/') {
      const end = text.indexOf('\n', i);
      blank(i, end < 0 ? n : end);
      i = end < 0 ? n : end;
    } else if (c === '/' && d === '*') {
      const end = text.indexOf('*/', i + 2);
      blank(i, end < 0 ? n : end + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < n && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      strings.set(i, text.slice(i + 1, j));
      blank(i + 1, j);
      i = j + 1;
      prev = c;
      word = '';
    } else if (c === '`') {
      i++;
      template();
      word = '';
    } else if (c === '/' && (prev === '' || BEFORE_REGEX.has(prev) || KEYWORDS_BEFORE_REGEX.has(word))) {
      let j = i + 1;
      let inClass = false;
      while (j < n && text[j] !== '\n') {
        if (text[j] === '\\') j++;
        else if (text[j] === '[') inClass = true;
        else if (text[j] === ']') inClass = false;
        else if (text[j] === '/' && !inClass) break;
        j++;
      }
      blank(i + 1, j);
      i = j + 1;
      prev = '/';
      word = '';
    } else if (c === '{') {
      braces.push('code');
      prev = c;
      word = '';
      i++;
    } else if (c === '}') {
      i++;
      if (braces.pop() === 'template') template();
      else prev = c;
      word = '';
    } else if (/[\w$]/.test(c)) {
      let j = i;
      while (j < n && /[\w$]/.test(text[j])) j++;
      word = text.slice(i, j);
      prev = text[j - 1];
      i = j;
    } else {
      if (!/\s/.test(c)) {
        prev = c;
        word = '';
      }
      i++;
    }
  }
  return { code: out.join(''), strings };
}

const STATIC = /(?<![\w$.])(import|export)(\s+type)?\s+(?:([\w$*{}\s,]*?)\s*from\s*)?(['"])/g;
const DYNAMIC = /(?<![\w$.])import\s*\(\s*(['"])/g;

/**
 * Every import and re-export of a module with a string specifier.
 * @returns {{ specifier: string, line: number, kind: 'import' | 'export' | 'dynamic', typeOnly: boolean, names: string[] }[]}
 *   names: the imported or re-exported bindings as written in the exporting module (default, *, Prisma, ...)
 */
export function importsOf(text) {
  const { code, strings } = mask(text);
  const lineAt = (offset) => {
    let line = 1;
    for (let k = code.indexOf('\n'); k >= 0 && k < offset; k = code.indexOf('\n', k + 1)) line++;
    return line;
  };
  const found = [];
  for (const m of code.matchAll(STATIC)) {
    const quote = m.index + m[0].length - 1;
    if (!strings.has(quote)) continue;
    const [, keyword, type, clause = ''] = m;
    // `export const x = 'a'` and the like: an export needs a clause and `from`
    if (keyword === 'export' && !/\bfrom\s*['"]$/.test(m[0])) continue;
    const { names, allTypes } = bindings(clause);
    found.push({ specifier: strings.get(quote), line: lineAt(m.index), kind: keyword, typeOnly: Boolean(type) || allTypes, names });
  }
  for (const m of code.matchAll(DYNAMIC)) {
    const quote = m.index + m[0].length - 1;
    if (!strings.has(quote)) continue;
    found.push({ specifier: strings.get(quote), line: lineAt(m.index), kind: 'dynamic', typeOnly: false, names: ['*'] });
  }
  return found.sort((a, b) => a.line - b.line);
}

/** The names an import clause takes from the other module: `x, { a as b, type C }` -> default, a, C. */
function bindings(clause) {
  const names = [];
  let typed = 0;
  const braced = clause.match(/\{([^}]*)\}/);
  const outside = clause.replace(/\{[^}]*\}/, ' ').trim();
  if (/^\*/.test(outside) || /,\s*\*/.test(outside)) names.push('*');
  else if (outside.replace(/,/g, '').trim()) names.push('default');
  if (braced) {
    for (const part of braced[1].split(',')) {
      const p = part.trim();
      if (!p) continue;
      const t = /^type\s+/.test(p);
      if (t) typed++;
      names.push(p.replace(/^type\s+/, '').split(/\s+as\s+/)[0].trim());
    }
  }
  return { names, allTypes: names.length > 0 && typed === names.length };
}

// ESLint rules for the size limits of src/ (see lint.exceptions.js): ESLint's own max-lines and
// max-lines-per-function can only raise a limit for a whole file, which would let every function
// of a file with one long function grow as long; these take each exception by name, with the
// most lines it may have, and say when an exception is no longer needed.
//   sso/max-file-lines       { max, exceptions: [{ file, lines, why }], root }
//   sso/max-function-lines   { max, exceptions: [{ file, function, lines, why }], root }
// root: the folder the exceptions' paths start from (the project's).
// Lines are counted as an editor numbers them, blank and comment lines included; a file's last
// line break does not start a line; a method counts from its name.
import { relative } from 'node:path';

const EXCEPTIONS_FILE = 'lint.exceptions.js';

const schema = [
  {
    type: 'object',
    properties: {
      max: { type: 'integer', minimum: 1 },
      exceptions: { type: 'array', items: { type: 'object' } },
      root: { type: 'string' },
    },
    required: ['max'],
    additionalProperties: false,
  },
];

/** The file's path from the project root (`root`, else ESLint's cwd), with forward slashes, as lint.exceptions.js writes it. */
const fileOf = (context) => relative(context.options[0].root ?? context.cwd, context.filename).split('\\').join('/');

const maxFileLines = {
  meta: {
    type: 'suggestion',
    docs: { description: `a file of src/ has at most \`max\` lines, unless listed in ${EXCEPTIONS_FILE}` },
    schema,
  },
  create(context) {
    const { max, exceptions = [] } = context.options[0];
    const file = fileOf(context);
    const listed = exceptions.find((e) => e.file === file);
    return {
      'Program:exit'() {
        const lines = context.sourceCode.lines;
        const count = lines.at(-1) === '' ? lines.length - 1 : lines.length;
        const loc = { line: Math.min(max + 1, count), column: 0 };
        if (listed && count <= max) {
          context.report({ loc: { line: 1, column: 0 }, message: `${count} lines, within the limit of ${max}: remove this file's exception from ${EXCEPTIONS_FILE}` });
        } else if (listed && count > listed.lines) {
          context.report({ loc, message: `file has ${count} lines; its exception in ${EXCEPTIONS_FILE} allows ${listed.lines} (the limit is ${max}): split it rather than raise the exception` });
        } else if (!listed && count > max) {
          context.report({ loc, message: `file has ${count} lines, over the limit of ${max}: split it (docs/architecture.md), or list it in ${EXCEPTIONS_FILE} with a reason` });
        }
      },
    };
  },
};

/** The name a function is known by: its own, its variable's, its method's (Class.method), its property's. */
function nameOf(fn, sourceCode) {
  if (fn.id) return fn.id.name;
  const p = fn.parent;
  const key = (k) => (k.type === 'Identifier' ? k.name : k.type === 'Literal' ? String(k.value) : sourceCode.getText(k));
  if (p.type === 'MethodDefinition' || p.type === 'PropertyDefinition') {
    const cls = p.parent.parent;
    return cls.id ? `${cls.id.name}.${key(p.key)}` : key(p.key);
  }
  if (p.type === 'Property') return key(p.key);
  if (p.type === 'VariableDeclarator' && p.id.type === 'Identifier') return p.id.name;
  if (p.type === 'AssignmentExpression') return sourceCode.getText(p.left);
  if ((p.type === 'CallExpression' || p.type === 'NewExpression') && p.arguments.includes(fn)) return `${sourceCode.getText(p.callee)} callback`;
  return '(anonymous)';
}

/** A method's lines start at its name (`async full() {`), as ESLint's max-lines-per-function counts them. */
function spanOf(fn) {
  const p = fn.parent;
  const whole = p.type === 'MethodDefinition' || (p.type === 'Property' && (p.method || p.kind === 'get' || p.kind === 'set')) ? p : fn;
  return { start: whole.loc.start, lines: whole.loc.end.line - whole.loc.start.line + 1 };
}

const maxFunctionLines = {
  meta: {
    type: 'suggestion',
    docs: { description: `a function of src/ has at most \`max\` lines, unless listed in ${EXCEPTIONS_FILE} (which covers the functions nested in it)` },
    schema,
  },
  create(context) {
    const { max, exceptions = [] } = context.options[0];
    const file = fileOf(context);
    const listed = new Map(exceptions.filter((e) => e.file === file).map((e) => [e.function, e]));
    /** Longest length seen for each listed name. */
    const seen = new Map();
    const stack = []; // { name, exception } of the enclosing functions
    const enter = (fn) => {
      const name = nameOf(fn, context.sourceCode);
      const exception = listed.get(name);
      const { start, lines } = spanOf(fn);
      if (exception) seen.set(name, Math.max(seen.get(name) ?? 0, lines));
      if (lines > max) {
        const cover = exception ?? stack.findLast((s) => s.exception)?.exception;
        if (!cover) {
          context.report({ loc: start, message: `function '${name}' has ${lines} lines, over the limit of ${max}: split it, or list it in ${EXCEPTIONS_FILE} with a reason` });
        } else if (lines > cover.lines) {
          const what = cover === exception ? 'its exception' : `the exception of '${cover.function}', which holds it,`;
          context.report({ loc: start, message: `function '${name}' has ${lines} lines; ${what} in ${EXCEPTIONS_FILE} allows ${cover.lines} (the limit is ${max}): split it rather than raise the exception` });
        }
      }
      stack.push({ name, exception });
    };
    const exit = () => stack.pop();
    return {
      FunctionDeclaration: enter,
      FunctionExpression: enter,
      ArrowFunctionExpression: enter,
      'FunctionDeclaration:exit': exit,
      'FunctionExpression:exit': exit,
      'ArrowFunctionExpression:exit': exit,
      'Program:exit'() {
        for (const [name] of listed) {
          const lines = seen.get(name);
          if (lines === undefined) {
            context.report({ loc: { line: 1, column: 0 }, message: `no function '${name}' here any more: remove its exception from ${EXCEPTIONS_FILE}` });
          } else if (lines <= max) {
            context.report({ loc: { line: 1, column: 0 }, message: `function '${name}' has ${lines} lines, within the limit of ${max}: remove its exception from ${EXCEPTIONS_FILE}` });
          }
        }
      },
    };
  },
};

export default {
  meta: { name: 'sso' },
  rules: { 'max-file-lines': maxFileLines, 'max-function-lines': maxFunctionLines },
};

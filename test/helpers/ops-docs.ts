/**
 * Following docs/operations.md in a test: its shell blocks marked `<!-- ci: NAME -->`, and a
 * bash prelude in which `systemctl start|stop` runs the real `sso serve` (started: its "sso
 * started" line, waited for with a bound) and `chown` does nothing (no `sso` user here).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, SSO_BIN } from './sso-process.js';

const DOCS = readFileSync(join(ROOT, 'docs', 'operations.md'), 'utf8');

/** The shell block of docs/operations.md after `<!-- ci: NAME -->`. */
export function docBlock(name: string): string {
  const m = new RegExp(`<!-- ci: ${name} -->\\n\`\`\`sh\\n([\\s\\S]*?)\`\`\``).exec(DOCS);
  if (!m) throw new Error(`docs/operations.md has no block marked ci: ${name}`);
  return m[1]!;
}

/** The bash prelude: `set -euo pipefail`, $SSO (the command with --config), systemctl and chown stand-ins. */
export function servicePrelude(dir: string, conf: string): string {
  return `
set -euo pipefail
SSO="${process.execPath} ${SSO_BIN} --config ${conf}"
systemctl() {
  case "$1" in
    start) $SSO serve >>"${dir}/serve.log" 2>&1 & echo $! >"${dir}/pid"
           for _ in $(seq 1 600); do
             grep -q '"msg":"sso started"' "${dir}/serve.log" 2>/dev/null && return 0
             kill -0 "$(cat "${dir}/pid")" || { cat "${dir}/serve.log" >&2; return 1; }
             sleep 0.1
           done
           echo "sso did not start within 60 s" >&2; return 1 ;;
    stop) kill -TERM "$(cat "${dir}/pid")"; while kill -0 "$(cat "${dir}/pid")" 2>/dev/null; do sleep 0.1; done ;;
  esac
}
chown() { :; }
`;
}

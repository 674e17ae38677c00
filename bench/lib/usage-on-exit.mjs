// Preloaded (node --import) into a benchmarked `node bin/sso.js ...` process, which otherwise runs
// exactly as deployed: on exit, its peak RSS and CPU time as the last line of stderr.
import { writeSync } from 'node:fs';

export const USAGE_MARK = 'sso-bench-usage ';

process.on('exit', () => {
  const u = process.resourceUsage();
  writeSync(2, `\n${USAGE_MARK}${JSON.stringify({ maxRssMb: u.maxRSS / 1024, cpuS: (u.userCPUTime + u.systemCPUTime) / 1e6 })}\n`);
});

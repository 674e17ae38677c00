/** Who a process acts as, for the audit trail: the operator's OS account and the host. */
import { hostname, userInfo } from 'node:os';

export function processActor(env: Record<string, string | undefined> = process.env): string {
  let user = env.SUDO_USER?.trim();
  if (!user) {
    try {
      user = userInfo().username;
    } catch {
      user = `uid ${process.getuid?.() ?? '?'}`;
    }
  }
  return `${user}@${hostname()}`;
}

/**
 * Development only: a demo application and a demo account so a newcomer can log in at once.
 * Their secret and password are new at every start (only hashes are stored) and printed.
 */
import { randomBytes } from 'node:crypto';
import type { Services } from './container.js';

export const DEMO_CLIENT_ID = 'demo-app';
export const DEMO_LOGIN = 'demo';

export interface DemoCredentials {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  login: string;
  password: string;
  /** A one-time enrolment code for the demo administrator's second factor (none once it has one). */
  enrolCode?: string | undefined;
}

export async function seedDemo(s: Services): Promise<DemoCredentials> {
  const redirectUri = 'http://localhost:8080/callback';
  let clientSecret: string;
  if (await s.clients.find(DEMO_CLIENT_ID)) {
    clientSecret = await s.clients.rotateSecret(DEMO_CLIENT_ID);
  } else {
    const added = await s.clients.add({
      id: DEMO_CLIENT_ID,
      name: 'Ứng dụng thử nghiệm (demo)',
      type: 'web',
      redirectUris: [redirectUri],
      postLogoutRedirectUris: ['http://localhost:8080/'],
    });
    clientSecret = added.clientSecret!;
  }
  const password = `demo-${randomBytes(9).toString('base64url')}`;
  if (await s.accounts.byLogin(DEMO_LOGIN)) {
    await s.accounts.setPassword(DEMO_LOGIN, password);
    await s.accounts.setStatus(DEMO_LOGIN, 'active');
  } else {
    await s.accounts.addLocal({ login: DEMO_LOGIN, password, displayName: 'Nguyễn Văn Demo', email: 'demo@example.invalid' });
  }
  // so that a newcomer can open the admin console at once
  await s.accounts.setAdmin(DEMO_LOGIN, true);
  // an administrator's first second factor needs an enrolment code (MFA_CONSOLE_REQUIRED)
  const demo = (await s.accounts.byLogin(DEMO_LOGIN))!;
  const enrolCode = s.config.mfa.consoleRequired && (await s.secondFactors.status(demo.id)).totp !== 'confirmed' ? (await s.secondFactors.issueEnrolCode(demo, 'demo')).code : undefined;
  return { clientId: DEMO_CLIENT_ID, clientSecret, redirectUri, login: DEMO_LOGIN, password, enrolCode };
}

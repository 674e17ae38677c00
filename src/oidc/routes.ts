/**
 * The protocol endpoints. The HTTP dispatcher sends these paths straight to oidc-provider
 * (never through Express's router, which halves the token endpoint's throughput); every other
 * path goes to Express.
 */
export const ROUTES = {
  authorization: '/auth',
  token: '/token',
  userinfo: '/me',
  jwks: '/jwks',
  introspection: '/token/introspection',
  revocation: '/token/revocation',
  end_session: '/session/end',
  pushed_authorization_request: '/request',
  backchannel_authentication: '/backchannel',
  code_verification: '/device',
  device_authorization: '/device/auth',
  registration: '/reg',
  challenge: '/challenge',
} as const;

const PREFIXES = [...Object.values(ROUTES), '/.well-known/'];

/** Is this request path one of oidc-provider's? Pure. */
export function isProtocolPath(pathname: string): boolean {
  return PREFIXES.some((p) => pathname === p || pathname.startsWith(p.endsWith('/') ? p : `${p}/`));
}

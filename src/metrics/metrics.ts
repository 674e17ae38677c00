/**
 * Prometheus metrics: one Registry per server (never prom-client's global one, so several
 * servers in one process each count their own), prom-client's default process metrics on it,
 * and the product's counters behind small recording functions.
 *
 * Label values come only from the fixed sets below (or a configured directory server URL):
 * never a login, an address, or a string a client sent. A value outside its set is recorded as
 * "other", so a hostile request can never grow the number of series.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export const LOGIN_RESULTS = [
  'success',
  'invalid_credentials',
  'disabled',
  'locked',
  'expired',
  'password_expired',
  'must_change_password',
  'conflict',
  'unavailable',
  'throttled',
  'bad_request',
] as const;
export type LoginResultLabel = (typeof LOGIN_RESULTS)[number];

export const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;

/** OAuth 2.0 / OpenID Connect error codes the token endpoint answers with (RFC 6749 5.2, and oidc-provider's). */
export const TOKEN_ERRORS = [
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'invalid_target',
  'invalid_dpop_proof',
  'use_dpop_nonce',
  'server_error',
  'temporarily_unavailable',
] as const;

export const LDAP_OPERATIONS = ['service_bind', 'user_bind', 'search'] as const;
export type LdapOperation = (typeof LDAP_OPERATIONS)[number];
export const LDAP_OUTCOMES = ['ok', 'refused', 'connection_error'] as const;
export type LdapOutcome = (typeof LDAP_OUTCOMES)[number];

export const SYNC_MODES = ['full', 'changed'] as const;
export const SYNC_STATUSES = ['success', 'partial', 'refused', 'failed', 'error'] as const;
export const SYNC_ENTRY_RESULTS = ['created', 'updated', 'disabled', 'unchanged', 'failed'] as const;

export const DELIVERY_RESULTS = ['delivered', 'retry', 'failed'] as const;
export type DeliveryResult = (typeof DELIVERY_RESULTS)[number];

export const THROTTLE_ACTIONS = ['delayed', 'blocked'] as const;
export type ThrottleAction = (typeof THROTTLE_ACTIONS)[number];
/** domain/throttle-keys.ts KeyType: the account (unknown devices), the account from one address, one address, the account on known devices. */
export const THROTTLE_KEY_TYPES = ['account', 'account_address', 'address', 'device'] as const;

/** The value if it is one of `allowed`, else "other": label sets stay bounded whatever comes in. */
export function bounded<T extends string>(value: unknown, allowed: readonly T[]): T | 'other' {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : 'other';
}

/** What a sync run reports, as the scheduler sees it (SyncRunResult's shape). */
export interface SyncRunFigures {
  mode: string;
  status: string;
  finishedAt: Date;
  created: number;
  updated: number;
  disabled: number;
  unchanged: number;
  failed: number;
}

export interface Metrics {
  readonly registry: Registry;
  /** Prometheus text exposition of every metric. */
  render(): Promise<string>;
  readonly contentType: string;
  login(result: LoginResultLabel | string): void;
  tokenIssued(grantType: unknown): void;
  tokenRefused(error: unknown): void;
  /** One LDAP operation against `server` (a configured URL) took `seconds`. */
  ldapOperation(operation: LdapOperation, server: string, outcome: LdapOutcome, seconds: number): void;
  /** A server was marked dead after a connection failure. */
  ldapServerDown(server: string): void;
  /** A request whose server failed was moved to the next one. */
  ldapFailover(operation: LdapOperation): void;
  syncRun(r: SyncRunFigures): void;
  /** A sync run that ended in an exception rather than a result. */
  syncError(mode: string): void;
  logoutDelivery(result: DeliveryResult): void;
  throttled(action: ThrottleAction, keyType: unknown): void;
  /** Where the gauge of accounts with a second factor (by method) reads its figures at each scrape. */
  mfaEnrolledFrom(read: () => Promise<Record<string, number>>): void;
  /** Unregisters everything (the default metrics' collectors stop reporting here). */
  close(): void;
}

/** The second-factor methods counted by sso_mfa_enrolled_accounts. */
export const MFA_METHODS = ['totp', 'webauthn'] as const;

export interface CreateMetricsOptions {
  /** prom-client's default process and Node.js metrics (default true). */
  defaultMetrics?: boolean;
  /** The configured directory server URLs: the only values the `server` label takes. */
  ldapServers?: readonly string[];
}

/** Seconds: LDAP on a LAN answers in well under 10 ms; timeouts are seconds. */
const LDAP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(opts: CreateMetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const servers = [...(opts.ldapServers ?? [])];
  const server = (url: string) => (servers.length === 0 || servers.includes(url) ? url : 'other');

  const logins = new Counter({ name: 'sso_logins_total', help: 'Login form submissions by result (success, or why not).', labelNames: ['result'] as const, registers });
  const tokens = new Counter({ name: 'sso_tokens_issued_total', help: 'Token endpoint successes by grant type.', labelNames: ['grant_type'] as const, registers });
  const refused = new Counter({ name: 'sso_token_requests_refused_total', help: 'Token endpoint requests refused, by OAuth error code.', labelNames: ['error'] as const, registers });
  const ldap = new Histogram({
    name: 'sso_ldap_operation_duration_seconds',
    help: 'Duration of LDAP operations by operation, directory server and outcome.',
    labelNames: ['operation', 'server', 'outcome'] as const,
    buckets: LDAP_BUCKETS,
    registers,
  });
  const down = new Counter({ name: 'sso_ldap_server_marked_dead_total', help: 'Times a directory server was marked dead after a connection failure.', labelNames: ['server'] as const, registers });
  const failovers = new Counter({ name: 'sso_ldap_failovers_total', help: 'LDAP requests moved to the next directory server after a connection failure.', labelNames: ['operation'] as const, registers });
  const syncRuns = new Counter({ name: 'sso_sync_runs_total', help: 'Directory sync runs by mode and status.', labelNames: ['mode', 'status'] as const, registers });
  const syncEntries = new Counter({ name: 'sso_sync_entries_total', help: 'Directory entries handled by sync runs, by mode and result.', labelNames: ['mode', 'result'] as const, registers });
  const syncLast = new Gauge({ name: 'sso_sync_last_run_timestamp_seconds', help: 'When the last sync run of each mode finished (Unix time).', labelNames: ['mode'] as const, registers });
  const syncLastOk = new Gauge({ name: 'sso_sync_last_success_timestamp_seconds', help: 'When the last successful sync run of each mode finished (Unix time).', labelNames: ['mode'] as const, registers });
  const deliveries = new Counter({ name: 'sso_logout_deliveries_total', help: 'Back-channel logout delivery attempts by result (delivered, retry, failed).', labelNames: ['status'] as const, registers });
  const throttle = new Counter({ name: 'sso_login_throttled_total', help: 'Login attempts delayed or blocked by the password-guessing throttle, by key type.', labelNames: ['action', 'key_type'] as const, registers });

  let mfaRead: (() => Promise<Record<string, number>>) | undefined;
  new Gauge({
    name: 'sso_mfa_enrolled_accounts', help: 'Accounts with a second factor enrolled, by method (read from the database at each scrape).', labelNames: ['method'] as const, registers,
    async collect() {
      // a database out of reach leaves the last figures rather than failing the whole scrape
      const counts = await mfaRead?.().catch(() => undefined);
      if (counts) for (const method of MFA_METHODS) this.set({ method }, counts[method] ?? 0);
    },
  });

  // Every series of the fixed label sets exists from the start at 0, so rates and alerts see them.
  for (const result of LOGIN_RESULTS) logins.inc({ result }, 0);
  for (const grant_type of GRANT_TYPES) tokens.inc({ grant_type }, 0);
  for (const mode of SYNC_MODES) for (const status of SYNC_STATUSES) syncRuns.inc({ mode, status }, 0);
  for (const status of DELIVERY_RESULTS) deliveries.inc({ status }, 0);
  for (const action of THROTTLE_ACTIONS) for (const key_type of THROTTLE_KEY_TYPES) throttle.inc({ action, key_type }, 0);

  return {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    login: (result) => logins.inc({ result: bounded(result, LOGIN_RESULTS) }),
    tokenIssued: (grantType) => tokens.inc({ grant_type: bounded(grantType, GRANT_TYPES) }),
    tokenRefused: (error) => refused.inc({ error: bounded(error, TOKEN_ERRORS) }),
    ldapOperation: (operation, url, outcome, seconds) => ldap.observe({ operation: bounded(operation, LDAP_OPERATIONS), server: server(url), outcome: bounded(outcome, LDAP_OUTCOMES) }, seconds),
    ldapServerDown: (url) => down.inc({ server: server(url) }),
    ldapFailover: (operation) => failovers.inc({ operation: bounded(operation, LDAP_OPERATIONS) }),
    syncRun(r) {
      const mode = bounded(r.mode, SYNC_MODES);
      syncRuns.inc({ mode, status: bounded(r.status, SYNC_STATUSES) });
      for (const result of SYNC_ENTRY_RESULTS) {
        const n = r[result];
        if (Number.isFinite(n) && n > 0) syncEntries.inc({ mode, result }, n);
      }
      const at = r.finishedAt.getTime() / 1000;
      syncLast.set({ mode }, at);
      if (r.status === 'success') syncLastOk.set({ mode }, at);
    },
    syncError: (mode) => syncRuns.inc({ mode: bounded(mode, SYNC_MODES), status: 'error' }),
    logoutDelivery: (result) => deliveries.inc({ status: bounded(result, DELIVERY_RESULTS) }),
    throttled: (action, keyType) => throttle.inc({ action: bounded(action, THROTTLE_ACTIONS), key_type: bounded(keyType, THROTTLE_KEY_TYPES) }),
    mfaEnrolledFrom: (read) => {
      mfaRead = read;
    },
    close: () => registry.clear(),
  };
}

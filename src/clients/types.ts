export const CLIENT_TYPES = ['web', 'spa', 'native', 'service'] as const;
export type ClientType = (typeof CLIENT_TYPES)[number];

/** spa and native clients run on the user's device and cannot keep a secret. */
export const isPublicType = (t: ClientType): boolean => t === 'spa' || t === 'native';

export interface ClientRow {
  id: string;
  name: string;
  type: string;
  firstParty: boolean;
  secretHash: string | null;
  redirectUris: string;
  postLogoutRedirectUris: string;
  backchannelLogoutUri: string | null;
  /** The groups' DNs (groups_dn) are released to it. */
  releaseGroupDns: boolean;
  /** Everyone signing in to it gives a second factor. */
  requireMfa?: boolean | undefined;
  status: string;
  /** The secret before the last rotation (a keyed hash) and until when it is still accepted. */
  previousSecretHash?: string | null;
  previousSecretUntil?: Date | null;
  /** Who may use it: JSON arrays (domain/access-policy.ts); absent: everyone. */
  allowGroups?: string;
  allowDepartments?: string;
  allowOrganizations?: string;
}

/**
 * Clients the IdP registers and keeps for itself (the admin console and "my account"). They are
 * listed like any other but cannot be edited, disabled or given a new secret from outside.
 */
export const INTERNAL_CLIENT_IDS: readonly string[] = Object.freeze(['sso-console']);
export const isInternalClient = (id: string): boolean => INTERNAL_CLIENT_IDS.includes(id);

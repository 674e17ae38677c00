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
  status: string;
}

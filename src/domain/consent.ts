/** Consent decisions. Pure. */

/**
 * Is consent implied, so that no consent page is shown? For the province's own (first-party)
 * applications, marked `first_party` in their registration.
 */
export function consentImplied(client: { readonly [key: string]: unknown } | undefined): boolean {
  return client?.['first_party'] === true;
}

/** Moved to src/domain/account-link.ts (pure); kept for the importers not yet updated. */
export * from '../domain/account-link.js';

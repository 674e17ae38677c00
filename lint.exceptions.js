// What the shape checks let through today, each with its reason: the one place for exceptions to
// the shape of src/ (docs/architecture.md). The restructure removes them; the check says so when
// one is no longer needed (remove it then).
// Read by scripts/check-shape.mjs (folders, the database client).

export const EXCEPTIONS = {
  /** Edges of the folder graph of src/ left out of the cycle check (`from` imports `to`), each against the layers. */
  folderEdges: [
    { from: 'config', to: 'oidc', why: 'config/load.ts takes SUPPORTED_SIGNING_ALGS from oidc/keys/store.ts; the list belongs in domain/ or config/' },
    { from: 'deprovision', to: 'oidc', why: 'deprovision/service.ts takes the KeyStore and PrivateJwk types from oidc/keys/store.ts, an adapter above it' },
    { from: 'accounts', to: 'sync', why: "accounts/authenticator.ts reads sync/reconcile.ts's directory-disabled marker; a domain/ decision" },
  ],
  /** Web and CLI files that still import the database client (`imports`: what, as check-shape names it). */
  dbClient: [
    { file: 'src/admin/audit-query.ts', imports: 'src/db/client.ts', why: 'queries the audit events itself; to a repository in db/repos/' },
    { file: 'src/cli/sync-command.ts', imports: 'src/db/client.ts', why: 'passes the client to the sync runner and lists runs itself; to a sync use case' },
    { file: 'src/console/auth.ts', imports: 'src/db/client.ts', why: 'reads sessions and tokens from OidcPayload itself; to a repository in db/repos/' },
    { file: 'src/interactions/routes.ts', imports: 'src/db/client.ts', why: 'builds the login throttle from the client when not given one; the composition root should' },
  ],
};

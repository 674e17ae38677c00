-- Bearer values at rest (docs/tokens-at-rest.md): from this version on, an object keyed by a
-- bearer value (a session or interaction cookie, an access or refresh token, a code) is stored
-- under the SHA-256 of the value, without the value in its payload. SQLite has no SHA-256 in SQL,
-- so the rows stored the old way are removed, not converted: everyone signs in once more, and a
-- refresh token issued before the upgrade fails once (the application signs the person in again).
-- Consent (Grant), pushed authorization requests and replay detection rows are kept.
-- secure_delete overwrites the removed rows with zeros, and `sso` runs VACUUM after this
-- migration (the line below), which rewrites the file: the values leave the file as well.
-- sso:vacuum-after
PRAGMA secure_delete = ON;
DELETE FROM "OidcPayload" WHERE "type" NOT IN ('Grant', 'ReplayDetection', 'PushedAuthorizationRequest');

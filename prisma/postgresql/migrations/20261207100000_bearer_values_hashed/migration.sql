-- Bearer values at rest (docs/tokens-at-rest.md): from this version on, an object keyed by a
-- bearer value (a session or interaction cookie, an access or refresh token, a code) is stored
-- under the SHA-256 of the value (base64url), without the value in its payload. The rows stored
-- the old way are converted in place: sessions, tokens and codes keep working.
-- Consent (Grant), pushed authorization requests and replay detection rows are not bearer values.

-- Sign-ins in progress hold a copy of the session cookie: removed (a person in the middle of
-- signing in starts again).
DELETE FROM "OidcPayload" WHERE "type" = 'Interaction';

-- The value leaves the payload: oidc-provider writes it as "jti":"<value>", after "iat".
UPDATE "OidcPayload" SET "payload" = replace("payload", ',"jti":' || to_json("id")::text, '')
WHERE "type" NOT IN ('Grant', 'ReplayDetection', 'PushedAuthorizationRequest');

-- A payload that still holds its value (written in another shape) cannot be converted: removed.
DELETE FROM "OidcPayload"
WHERE "type" NOT IN ('Grant', 'ReplayDetection', 'PushedAuthorizationRequest') AND strpos("payload", "id") > 0;

-- The row id becomes the SHA-256 of the value, base64url without padding (as Node's digest('base64url')).
UPDATE "OidcPayload" SET "id" = translate(encode(sha256(convert_to("id", 'UTF8')), 'base64'), '+/=', '-_')
WHERE "type" NOT IN ('Grant', 'ReplayDetection', 'PushedAuthorizationRequest');

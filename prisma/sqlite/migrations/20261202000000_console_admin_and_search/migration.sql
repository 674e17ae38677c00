-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Account" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "login" TEXT NOT NULL,
    "email" TEXT,
    "emailVerified" BOOLEAN NOT NULL DEFAULT false,
    "displayName" TEXT NOT NULL,
    "givenName" TEXT,
    "familyName" TEXT,
    "middleName" TEXT,
    "phoneNumber" TEXT,
    "status" TEXT NOT NULL DEFAULT 'active',
    "source" TEXT NOT NULL,
    "externalId" TEXT,
    "passwordHash" TEXT,
    "attributes" TEXT NOT NULL DEFAULT '{}',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "lastLoginAt" DATETIME,
    "disabledAt" DATETIME,
    "admin" BOOLEAN NOT NULL DEFAULT false,
    "search" TEXT NOT NULL DEFAULT ''
);
INSERT INTO "new_Account" ("attributes", "createdAt", "disabledAt", "displayName", "email", "emailVerified", "externalId", "familyName", "givenName", "id", "lastLoginAt", "login", "middleName", "passwordHash", "phoneNumber", "source", "status", "updatedAt") SELECT "attributes", "createdAt", "disabledAt", "displayName", "email", "emailVerified", "externalId", "familyName", "givenName", "id", "lastLoginAt", "login", "middleName", "passwordHash", "phoneNumber", "source", "status", "updatedAt" FROM "Account";
DROP TABLE "Account";
ALTER TABLE "new_Account" RENAME TO "Account";
CREATE UNIQUE INDEX "Account_login_key" ON "Account"("login");
CREATE UNIQUE INDEX "Account_externalId_key" ON "Account"("externalId");
CREATE INDEX "Account_status_idx" ON "Account"("status");
CREATE INDEX "Account_email_idx" ON "Account"("email");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

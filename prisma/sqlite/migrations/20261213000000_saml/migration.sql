-- CreateTable
CREATE TABLE "SamlServiceProvider" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "entityId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "clientId" TEXT NOT NULL,
    "metadataXml" TEXT NOT NULL,
    "acsUrls" TEXT NOT NULL,
    "signingCerts" TEXT NOT NULL DEFAULT '[]',
    "encryptionCerts" TEXT NOT NULL DEFAULT '[]',
    "encryptionMethod" TEXT,
    "nameIdFormat" TEXT NOT NULL,
    "attributes" TEXT NOT NULL DEFAULT '[]',
    "signResponse" BOOLEAN NOT NULL DEFAULT false,
    "wantSignedRequests" BOOLEAN NOT NULL DEFAULT false,
    "status" TEXT NOT NULL DEFAULT 'active',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "SamlPendingRequest" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "payload" TEXT NOT NULL,
    "expiresAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "SamlSeenRequest" (
    "spEntityId" TEXT NOT NULL,
    "requestId" TEXT NOT NULL,
    "expiresAt" DATETIME NOT NULL,

    PRIMARY KEY ("spEntityId", "requestId")
);

-- CreateTable
CREATE TABLE "SamlKey" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "certificate" TEXT NOT NULL,
    "encryptedKey" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "activatedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "retireAfter" DATETIME
);

-- CreateIndex
CREATE UNIQUE INDEX "SamlServiceProvider_entityId_key" ON "SamlServiceProvider"("entityId");

-- CreateIndex
CREATE UNIQUE INDEX "SamlServiceProvider_clientId_key" ON "SamlServiceProvider"("clientId");

-- CreateIndex
CREATE INDEX "SamlPendingRequest_expiresAt_idx" ON "SamlPendingRequest"("expiresAt");

-- CreateIndex
CREATE INDEX "SamlSeenRequest_expiresAt_idx" ON "SamlSeenRequest"("expiresAt");

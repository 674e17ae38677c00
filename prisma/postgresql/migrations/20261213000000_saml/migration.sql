-- CreateTable
CREATE TABLE "SamlServiceProvider" (
    "id" TEXT NOT NULL,
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
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SamlServiceProvider_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SamlPendingRequest" (
    "id" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SamlPendingRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SamlSeenRequest" (
    "spEntityId" TEXT NOT NULL,
    "requestId" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SamlSeenRequest_pkey" PRIMARY KEY ("spEntityId","requestId")
);

-- CreateTable
CREATE TABLE "SamlKey" (
    "id" TEXT NOT NULL,
    "certificate" TEXT NOT NULL,
    "encryptedKey" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "activatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "retireAfter" TIMESTAMP(3),

    CONSTRAINT "SamlKey_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "SamlServiceProvider_entityId_key" ON "SamlServiceProvider"("entityId");

-- CreateIndex
CREATE UNIQUE INDEX "SamlServiceProvider_clientId_key" ON "SamlServiceProvider"("clientId");

-- CreateIndex
CREATE INDEX "SamlPendingRequest_expiresAt_idx" ON "SamlPendingRequest"("expiresAt");

-- CreateIndex
CREATE INDEX "SamlSeenRequest_expiresAt_idx" ON "SamlSeenRequest"("expiresAt");

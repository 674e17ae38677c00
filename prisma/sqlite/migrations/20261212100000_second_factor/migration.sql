-- CreateTable
CREATE TABLE "MfaTotp" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "accountId" TEXT NOT NULL,
    "secretSealed" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "confirmedAt" DATETIME,
    "lastStep" INTEGER
);

-- CreateTable
CREATE TABLE "MfaRecoveryCode" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "accountId" TEXT NOT NULL,
    "codeHash" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "usedAt" DATETIME
);

-- CreateTable
CREATE TABLE "MfaEnrolCode" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "accountId" TEXT NOT NULL,
    "codeHash" TEXT NOT NULL,
    "issuedBy" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" DATETIME NOT NULL,
    "usedAt" DATETIME
);

-- CreateTable
CREATE TABLE "MfaRequirement" (
    "accountId" TEXT NOT NULL PRIMARY KEY,
    "requiredSince" DATETIME NOT NULL
);

-- CreateIndex
CREATE UNIQUE INDEX "MfaTotp_accountId_key" ON "MfaTotp"("accountId");

-- CreateIndex
CREATE UNIQUE INDEX "MfaRecoveryCode_codeHash_key" ON "MfaRecoveryCode"("codeHash");

-- CreateIndex
CREATE INDEX "MfaRecoveryCode_accountId_idx" ON "MfaRecoveryCode"("accountId");

-- CreateIndex
CREATE UNIQUE INDEX "MfaEnrolCode_codeHash_key" ON "MfaEnrolCode"("codeHash");

-- CreateIndex
CREATE INDEX "MfaEnrolCode_accountId_idx" ON "MfaEnrolCode"("accountId");

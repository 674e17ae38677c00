-- CreateTable
CREATE TABLE "MfaTotp" (
    "id" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "secretSealed" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "confirmedAt" TIMESTAMP(3),
    "lastStep" INTEGER,

    CONSTRAINT "MfaTotp_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MfaRecoveryCode" (
    "id" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "codeHash" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "usedAt" TIMESTAMP(3),

    CONSTRAINT "MfaRecoveryCode_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MfaEnrolCode" (
    "id" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "codeHash" TEXT NOT NULL,
    "issuedBy" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),

    CONSTRAINT "MfaEnrolCode_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MfaRequirement" (
    "accountId" TEXT NOT NULL,
    "requiredSince" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "MfaRequirement_pkey" PRIMARY KEY ("accountId")
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

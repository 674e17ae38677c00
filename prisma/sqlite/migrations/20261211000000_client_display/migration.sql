-- AlterTable
ALTER TABLE "Client" ADD COLUMN "description" TEXT;
ALTER TABLE "Client" ADD COLUMN "homeUrl" TEXT;
ALTER TABLE "Client" ADD COLUMN "logoEtag" TEXT;

-- CreateTable
CREATE TABLE "ClientLogo" (
    "clientId" TEXT NOT NULL PRIMARY KEY,
    "contentType" TEXT NOT NULL,
    "data" BLOB NOT NULL,
    "etag" TEXT NOT NULL,
    "updatedAt" DATETIME NOT NULL
);

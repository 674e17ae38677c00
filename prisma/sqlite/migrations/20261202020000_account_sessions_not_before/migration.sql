-- AlterTable
ALTER TABLE "Account" ADD COLUMN "sessionsNotBefore" DATETIME;

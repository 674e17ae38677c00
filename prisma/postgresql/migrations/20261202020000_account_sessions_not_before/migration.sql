-- AlterTable
ALTER TABLE "Account" ADD COLUMN     "sessionsNotBefore" TIMESTAMP(3);

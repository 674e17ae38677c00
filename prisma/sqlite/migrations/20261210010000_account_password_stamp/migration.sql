-- AlterTable
ALTER TABLE "Account" ADD COLUMN "passwordStamp" TEXT;

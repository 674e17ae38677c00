-- AlterTable
ALTER TABLE "Account" ADD COLUMN     "helpdesk" BOOLEAN NOT NULL DEFAULT false;

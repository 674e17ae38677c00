-- AlterTable
ALTER TABLE "Client" ADD COLUMN "allowDepartments" TEXT NOT NULL DEFAULT '[]';
ALTER TABLE "Client" ADD COLUMN "allowGroups" TEXT NOT NULL DEFAULT '[]';
ALTER TABLE "Client" ADD COLUMN "allowOrganizations" TEXT NOT NULL DEFAULT '[]';

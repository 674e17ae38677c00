-- AlterTable
ALTER TABLE "Client" ADD COLUMN     "allowDepartments" TEXT NOT NULL DEFAULT '[]',
ADD COLUMN     "allowGroups" TEXT NOT NULL DEFAULT '[]',
ADD COLUMN     "allowOrganizations" TEXT NOT NULL DEFAULT '[]';

/**
 * Where a person sits: department, organisation, title, employee number, and group names. Pure.
 *
 * Department: the first value of the department attributes (ou, AD's department); else, where
 * the preset allows it (not Zimbra, whose accounts all sit under ou=people), the nearest ou=
 * RDN above the entry in its DN, skipping generic containers (people, users, accounts, staff).
 * Organization: the organization attributes (o; company on AD and Zimbra); else the nearest o=
 * RDN above the entry; else none. The top-most ou is NOT used: in provincial trees it is
 * usually the whole province (UBND tỉnh), not the agency; map an attribute when needed.
 */
import type { OrganizationInfo } from '../../domain/directory.js';
import { firstText, type Attributes } from './attributes.js';
import { parseDn, rdnValue, type Rdn } from '../../domain/dn.js';
import type { Preset } from './presets.js';
import { cleanText } from './text.js';

const MAX_GROUPS = 1000;

const GENERIC_CONTAINERS = new Set(['people', 'users', 'user', 'accounts', 'account', 'staff', 'persons', 'employees']);

/** The entry's organisation, from its attributes and (for department and organisation) its DN. */
export function readOrganization(a: Attributes, preset: Preset, dn: string): OrganizationInfo {
  const map = preset.attributes;
  const rdns = parseDn(dn);
  const organization: OrganizationInfo = {};
  const department = firstText(a, map.department) ?? (preset.departmentFromDn ? departmentFromDn(rdns) : null);
  if (department !== null) organization.department = department;
  const org = firstText(a, map.organization) ?? organizationFromDn(rdns);
  if (org !== null) organization.organization = org;
  const title = firstText(a, map.title);
  if (title !== null) organization.title = title;
  const employeeNumber = firstText(a, map.employeeNumber, 64);
  if (employeeNumber !== null) organization.employeeNumber = employeeNumber;
  return organization;
}

function departmentFromDn(rdns: Rdn[] | null): string | null {
  if (!rdns) return null;
  for (const rdn of rdns.slice(1)) {
    for (const ava of rdn) {
      if (ava.type.toLowerCase() !== 'ou') continue;
      const t = cleanText(ava.value);
      if (t.length > 0 && !GENERIC_CONTAINERS.has(t.toLowerCase())) return t;
    }
  }
  return null;
}

function organizationFromDn(rdns: Rdn[] | null): string | null {
  if (!rdns) return null;
  for (const rdn of rdns.slice(1)) {
    for (const ava of rdn) {
      if (ava.type.toLowerCase() !== 'o') continue;
      const t = cleanText(ava.value);
      if (t.length > 0) return t;
    }
  }
  return null;
}

/** Group names from memberOf DNs: the first RDN's value (its cn when multi-valued), sorted, unique. */
export function groupsOf(a: Attributes, names: readonly string[]): string[] {
  const out = new Set<string>();
  for (const n of names) {
    for (const v of a.strings(n)) {
      if (out.size >= MAX_GROUPS) break;
      const rdns = parseDn(v.trim());
      const first = rdns?.[0];
      if (!first) continue;
      const g = cleanText(rdnValue(first, 'cn') ?? '');
      if (g.length > 0) out.add(g);
    }
  }
  return [...out].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
}

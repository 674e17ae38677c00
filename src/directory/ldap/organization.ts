/**
 * Where a person sits: department, organisation, title, employee number, and groups (their names
 * and their DNs). Pure.
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
import { normalizeDn, parseDn, rdnValue, type Rdn } from '../../domain/dn.js';
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

/** A person's groups: their names (as the `groups` claim gives them) and their DNs. */
export interface Groups {
  /** The first RDN's value of each group (its cn when multi-valued), sorted, unique. */
  names: string[];
  /** Each group's DN as the directory wrote it, one per entry (DN normalisation), sorted. */
  dns: string[];
}

const byCodeUnits = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);

/**
 * The groups of these group DNs (memberOf values, or the DNs a group search returned). A value
 * that is not a DN is skipped. At most MAX_GROUPS groups.
 */
export function groupsFromDns(values: Iterable<string>): Groups {
  const names = new Set<string>();
  const dns = new Map<string, string>();
  for (const v of values) {
    if (dns.size >= MAX_GROUPS) break;
    const dn = v.trim();
    const rdns = parseDn(dn);
    const first = rdns?.[0];
    const key = first ? normalizeDn(dn) : null;
    if (!first || key === null || dns.has(key)) continue;
    const g = cleanText(rdnValue(first, 'cn') ?? '');
    if (g.length === 0) continue;
    names.add(g);
    dns.set(key, dn);
  }
  return { names: [...names].sort(byCodeUnits), dns: [...dns.values()].sort(byCodeUnits) };
}

/** The groups of the memberOf attributes. */
export function groupsOf(a: Attributes, attributeNames: readonly string[]): Groups {
  return groupsFromDns(attributeNames.flatMap((n) => a.strings(n)));
}
